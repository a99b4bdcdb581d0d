#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

namespace spoor::e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string SpoorBinary() { return SPOOR_BIN; }

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "spoor-e2e-XXXXXX").string();
  path_ = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::vector<std::string> HttpResponse::Headers(const std::string& name) const {
  std::vector<std::string> out;
  auto [a, b] = headers.equal_range(name);
  for (auto it = a; it != b; ++it) out.push_back(it->second);
  return out;
}

namespace {

// Connects `stream` to ip:port with a deadline for the whole exchange.
bool Connect(beast::tcp_stream& stream, int port, int timeout_ms,
             const std::string& ip = "127.0.0.1") {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(ip, ec);
  if (ec) return false;
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  stream.connect(asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port)), ec);
  return !ec;
}

// Writes `request` and reads the answer on a connected (and, for TLS,
// handshaken) stream.
template <typename Stream>
HttpResponse Exchange(Stream& stream, int port, const HttpRequest& request) {
  HttpResponse out;
  boost::system::error_code ec;
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : request.headers) req.insert(k, v);
  req.body() = request.body;
  if (!request.body.empty() || request.method == "POST") req.prepare_payload();
  bhttp::write(stream, req, ec);
  if (ec) return out;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (request.method == "HEAD") parser.skip(true);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return out;
  auto res = parser.release();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(name, std::string(f.value()));
  }
  out.body = res.body();
  return out;
}

}  // namespace

HttpResponse Send(int port, const HttpRequest& request, int timeout_ms) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  if (!Connect(stream, port, timeout_ms)) return {};
  return Exchange(stream, port, request);
}

HttpResponse SendTls(int port, const HttpRequest& request, const std::string& ca_file,
                     int timeout_ms) {
  return SendTls("127.0.0.1", port, request, ca_file, timeout_ms);
}

HttpResponse SendTls(const std::string& ip, int port, const HttpRequest& request,
                     const std::string& ca_file, int timeout_ms) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  boost::system::error_code ec;
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file, ec);
    if (ec) return {};
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  if (!ca_file.empty()) stream.set_verify_callback(asio::ssl::host_name_verification(ip));
  if (!Connect(beast::get_lowest_layer(stream), port, timeout_ms, ip)) return {};
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return {};
  HttpResponse out = Exchange(stream, port, request);
  stream.shutdown(ec);  // the answer is complete; a missing close_notify changes nothing
  return out;
}

std::string TlsHandshakeError(int port, int version, int timeout_ms) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX* native = ctx.native_handle();
  // OpenSSL 3 refuses TLS below 1.2 at its default security level; level 0
  // makes this client really offer the old version.
  SSL_CTX_set_security_level(native, 0);
  SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(native, version);
  SSL_CTX_set_max_proto_version(native, version);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  if (!Connect(beast::get_lowest_layer(stream), port, timeout_ms)) return "connect failed";
  boost::system::error_code ec;
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return ec.message();
  stream.shutdown(ec);
  return "";
}

std::string SendRaw(int port, const std::string& bytes, int timeout_ms, int read_after_ms) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  boost::system::error_code ec;
  if (!Connect(stream, port, timeout_ms)) return "";
  asio::write(stream.socket(), asio::buffer(bytes), ec);
  if (read_after_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(read_after_ms));
  std::string out;
  char buf[4096];
  while (true) {
    size_t n = stream.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

SpoorServer::SpoorServer(std::string data_dir, std::vector<std::string> extra_flags)
    : data_dir_(std::move(data_dir)) {
  Start(extra_flags);
}

SpoorServer::~SpoorServer() {
  if (pid_ > 0) Stop();
}

void SpoorServer::Start(const std::vector<std::string>& extra_flags) {
  std::string ready = data_dir_ + "/.ready-" + std::to_string(getpid());
  std::filesystem::remove(ready);
  log_path_ = data_dir_ + "/../" + std::filesystem::path(data_dir_).filename().string() + ".log";
  std::vector<std::string> args = {SpoorBinary(), "serve",        "--data",     data_dir_,
                                   "--listen",    "127.0.0.1:0", "--ready-file", ready,
                                   "--threads",   "2"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  std::filesystem::create_directories(data_dir_);
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  bool up = WaitFor(
      [&] {
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          return true;
        }
        return std::filesystem::exists(ready);
      },
      std::chrono::seconds(20));
  if (!up || pid_ < 0) return;
  std::ifstream in(ready);
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  auto v = boost::json::parse(ss.str(), ec);
  if (ec) return;
  std::string url(v.at("url").as_string());
  port_ = std::stoi(url.substr(url.rfind(':') + 1));
  workspace_id_ = std::string(v.at("workspace_id").as_string());
  if (const auto* tls = v.as_object().if_contains("tls_port")) {
    tls_port_ = static_cast<int>(tls->to_number<int64_t>());
  }
}

int SpoorServer::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  port_ = 0;
  tls_port_ = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void SpoorServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  port_ = 0;
  tls_port_ = 0;
}

namespace {

// Runs a shell command line; returns its stdout.
std::string RunShell(const std::string& cmd, int* exit_code) {
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string SpoorCommand(const std::vector<std::string>& args) {
  std::string cmd = "'" + SpoorBinary() + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  return cmd;
}

}  // namespace

std::string RunSpoor(const std::vector<std::string>& args, int* exit_code) {
  return RunShell(SpoorCommand(args) + " 2>/dev/null", exit_code);
}

std::string RunSpoorWithStderr(const std::vector<std::string>& args, int* exit_code,
                               int timeout_seconds) {
  return RunShell("timeout " + std::to_string(timeout_seconds) + " " + SpoorCommand(args) + " 2>&1",
                  exit_code);
}

std::vector<std::string> Export(const std::string& what, const std::string& data_dir) {
  std::string out = RunSpoor({"export", what, "--data", data_dir});
  std::vector<std::string> lines;
  std::stringstream ss(out);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool WaitFor(const std::function<bool()>& fn, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (fn()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fn();
}

std::string SetCookieHeader(const HttpResponse& response, const std::string& name) {
  for (const std::string& h : response.Headers("set-cookie")) {
    if (h.rfind(name + "=", 0) == 0) return h;
  }
  return "";
}

std::string SetCookieValue(const HttpResponse& response, const std::string& name) {
  std::string h = SetCookieHeader(response, name);
  if (h.empty()) return "";
  h = h.substr(name.size() + 1);
  return h.substr(0, h.find(';'));
}

std::string UrlEncode(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

std::string UrlDecode(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(in[i + 1]) &&
               std::isxdigit(in[i + 2])) {
      out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::string HtmlUnescape(std::string s) {
  const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&#x27;", "'"},
      {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) {
      s.replace(at, std::strlen(from), to);
    }
  }
  return s;
}

}  // namespace

std::string QueryValue(const std::string& url, const std::string& key) {
  size_t q = url.find('?');
  if (q == std::string::npos) return "";
  std::stringstream ss(url.substr(q + 1));
  std::string pair;
  while (std::getline(ss, pair, '&')) {
    size_t eq = pair.find('=');
    if (UrlDecode(pair.substr(0, eq)) == key) {
      return eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
  }
  return "";
}

std::string InputValue(const std::string& html, const std::string& name) {
  std::string needle = "name=\"" + name + "\" value=\"";
  size_t at = html.find(needle);
  if (at == std::string::npos) return "";
  at += needle.size();
  return HtmlUnescape(html.substr(at, html.find('"', at) - at));
}

std::string Base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(k[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(k[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

std::string ClientCredentialsToken(int port, const std::string& client_id,
                                   const std::string& client_secret) {
  HttpResponse r = Send(port, {"POST", "/oauth/v2/token",
                               {{"Content-Type", "application/x-www-form-urlencoded"}},
                               "grant_type=client_credentials&client_id=" + UrlEncode(client_id) +
                                   "&client_secret=" + UrlEncode(client_secret)});
  if (r.status != 200) {
    std::fprintf(stderr, "token request refused: %d %s\n", r.status, r.body.c_str());
    return "";
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("access_token")) return "";
  return std::string(v.at("access_token").as_string());
}

}  // namespace spoor::e2e
