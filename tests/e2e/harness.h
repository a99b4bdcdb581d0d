// End-to-end test harness: runs the real `spoor` binary on 127.0.0.1 with a
// free port (port 0 + --ready-file) in a temp dir, talks HTTP to it, runs
// its CLI, and stops it (SIGTERM, or SIGKILL for crash tests).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace spoor::e2e {

// Path of the spoor binary under test (compile definition SPOOR_BIN).
std::string SpoorBinary();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct HttpResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const;
  std::vector<std::string> Headers(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// One request on a new connection. status 0 when the connection failed.
HttpResponse Send(int port, const HttpRequest& request, int timeout_ms = 10000);
// Sends raw bytes and returns the raw answer (for malformed requests).
// Sends `bytes` as they are and reads until the server closes; the reading
// starts `read_after_ms` after the sending, so the server's answers can fill
// the socket's buffers first.
std::string SendRaw(int port, const std::string& bytes, int timeout_ms = 10000,
                    int read_after_ms = 0);
// One request over HTTPS on a new connection to 127.0.0.1. With a ca_file the
// server's certificate must chain to it and name 127.0.0.1; without one it is
// not checked. status 0 when the connection or the handshake failed.
HttpResponse SendTls(int port, const HttpRequest& request, const std::string& ca_file = "",
                     int timeout_ms = 10000);
// The same to another local address (an IP literal), which the certificate
// must then name.
HttpResponse SendTls(const std::string& ip, int port, const HttpRequest& request,
                     const std::string& ca_file = "", int timeout_ms = 10000);
// Attempts only a TLS handshake offering exactly `version` (TLS1_1_VERSION,
// TLS1_2_VERSION, ... from <openssl/ssl.h>) and no certificate check.
// Returns "" when it succeeded, else OpenSSL's reason.
std::string TlsHandshakeError(int port, int version, int timeout_ms = 10000);

constexpr char kBrowserUa[] =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36";

class SpoorServer {
 public:
  // Starts `spoor serve` on data_dir; extra flags are appended.
  explicit SpoorServer(std::string data_dir, std::vector<std::string> extra_flags = {});
  ~SpoorServer();
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  // The HTTPS port from the ready file; 0 when HTTPS is off.
  int tls_port() const { return tls_port_; }
  const std::string& workspace_id() const { return workspace_id_; }
  const std::string& log() const { return log_path_; }
  // SIGTERM and wait; returns the exit status.
  int Stop();
  // SIGKILL and wait.
  void Kill();

 private:
  void Start(const std::vector<std::string>& extra_flags);
  std::string data_dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  int tls_port_ = 0;
  std::string workspace_id_;
};

// Runs `spoor ARGS...`; returns stdout. exit_code receives the status.
std::string RunSpoor(const std::vector<std::string>& args, int* exit_code = nullptr);
// The same, returning stdout and stderr together, and ending spoor after
// `timeout_seconds` (for commands expected to fail, such as a serve that
// must not start).
std::string RunSpoorWithStderr(const std::vector<std::string>& args, int* exit_code,
                               int timeout_seconds = 30);
// Runs `spoor export WHAT --data DIR` and returns the lines.
std::vector<std::string> Export(const std::string& what, const std::string& data_dir);
// Polls `fn` until true or the deadline passes.
bool WaitFor(const std::function<bool()>& fn, std::chrono::milliseconds deadline);

// The value a response's Set-Cookie headers give cookie `name` ("" if none).
std::string SetCookieValue(const HttpResponse& response, const std::string& name);
// The whole Set-Cookie header for cookie `name` ("" if none).
std::string SetCookieHeader(const HttpResponse& response, const std::string& name);
// The decoded value of query parameter `key` in a URL or target ("" if none).
std::string QueryValue(const std::string& url, const std::string& key);
// The value of <input ... name="NAME" value="..."> in an HTML page, with
// the HTML escapes undone ("" if none).
std::string InputValue(const std::string& html, const std::string& name);
// Form-urlencodes one value.
std::string UrlEncode(const std::string& value);

// Standard base64 with padding (HTTP Basic credentials).
std::string Base64(const std::string& in);

// Exchanges an API client's id and secret for an access token with the
// client credentials grant; "" (the answer printed on stderr) when refused.
std::string ClientCredentialsToken(int port, const std::string& client_id,
                                   const std::string& client_secret);

}  // namespace spoor::e2e
