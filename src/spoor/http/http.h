// The HTTP edge: the only module that knows Asio and Beast.
//
// A Server accepts HTTP/1.1 connections, in plain text, over TLS, or both on
// two listeners; one coroutine owns each connection and runs (handshake →)
// read → handle → write with a timeout on every read and limits on headers
// and bodies. Handlers receive a plain Request and return a plain
// Response; they may co_await (a durable commit, say) but never block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include "absl/status/statusor.h"
#include "spoor/common/strings.h"

namespace spoor::http {

struct Request {
  std::string method;  // upper case
  std::string target;  // as sent: path + query
  std::string path;    // percent-encoded path, no query
  std::string query;   // after '?', raw
  std::string body;
  std::string remote_ip;
  bool secure = false;  // arrived over TLS
  // Adds a header; its name is lower-cased.
  void AddHeader(std::string_view name, std::string_view value);
  // First header with that (lower-case) name, or empty.
  std::string_view Header(std::string_view name) const;
  // Every header, in order: (lower-case name, value).
  std::vector<std::pair<std::string_view, std::string_view>> Headers() const;
  // Empties it for the connection's next request, keeping its buffers
  // (but not a large body's).
  void Clear();

 private:
  // Every header in one buffer: a request costs two allocations for them.
  struct HeaderSpan {
    uint32_t name_at, name_len, value_at, value_len;
  };
  std::string header_text_;
  std::vector<HeaderSpan> header_spans_;
};

struct Response {
  int status = 200;
  std::string body;
  // A body made piece by piece, for answers too large to hold (exports):
  // each call appends the next piece to `out` and returns whether more
  // follows. Sent with chunked transfer encoding (HTTP/1.0: until the
  // connection closes). An error once the head is sent ends the connection
  // without the last chunk, so the client sees a cut answer, not a short one.
  std::function<boost::asio::awaitable<absl::StatusOr<bool>>(std::string& out)> stream;
  bool close = false;  // close the connection after writing

  // Adds a header whose value is `value`'s pieces (strings, numbers) one
  // after the other. Several headers of one name are all sent (Set-Cookie).
  // CR, LF and NUL become spaces: a value cannot start a header of its own.
  template <typename... Pieces>
  void Set(std::string_view name, const Pieces&... value) {
    const size_t value_at = BeginField(name);
    StrAppend(fields_, value...);
    EndField(value_at);
  }
  // Takes back the header added last.
  void UnsetLast();
  // Adds every header of `other`, in its order.
  void SetAll(const Response& other);
  // The headers as the head carries them: "Name: value\r\n" each.
  std::string_view FieldLines() const { return fields_; }

 private:
  size_t BeginField(std::string_view name);
  void EndField(size_t value_at);
  std::string fields_;    // every header in one buffer: at most one allocation
  size_t last_field_ = 0;  // where the header added last begins
};

// Builds a JSON error body {"error": {"code": ..., "message": ...}}.
Response JsonError(int status, std::string_view code, std::string_view message);
// A JSON answer that no cache keeps.
Response JsonResponse(int status, const boost::json::value& body);

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

// A route's body limit, and the status a larger body gets (413 unless the
// route's contract says otherwise).
struct RouteBodyLimit {
  RouteBodyLimit(size_t limit_bytes, int over_status = 413)  // NOLINT: a size converts
      : bytes(limit_bytes), status(over_status) {}
  size_t bytes;
  int status;
};

// Returns the body limit for a request, from its method and path, decided
// once the headers are read. 0 refuses any body.
using BodyLimitFn = std::function<RouteBodyLimit(std::string_view method, std::string_view path)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 2;
  size_t header_limit = 16 * 1024;
  int read_timeout_seconds = 30;
  int keep_alive_requests = 10000;
  // An I/O thread that runs out of work polls for this long before it
  // sleeps, while its sleeps stay shorter than this (under load, answers
  // come back from a commit within microseconds, and waking a sleeping
  // thread costs more than that wait); after a longer sleep it sleeps at
  // once. 0: always sleep at once. kSpinAuto: 200 µs when the I/O threads
  // leave a core free, else 0 (threads spinning on every core take it from
  // each other and from the commit).
  static constexpr int kSpinAuto = -1;
  static constexpr int kAutoSpinUs = 200;
  int spin_us = kSpinAuto;
  // Runs on an I/O thread that has no handler ready, before it spins or
  // sleeps; returns whether it did anything. Serve commits the pipeline's
  // staged events there (see LocalPipeline::CommitStaged).
  std::function<bool()> idle_work;
  // TLS is on when tls_cert_file is set; tls_key_file must then be set too.
  std::string tls_cert_file;  // PEM: the certificate, then any intermediates
  std::string tls_key_file;   // PEM private key of that certificate
  // With TLS on: when tls_listen is true, plain HTTP stays on host:port and
  // HTTPS listens on tls_host:tls_port; otherwise host:port speaks HTTPS only.
  bool tls_listen = false;
  std::string tls_host = "127.0.0.1";
  uint16_t tls_port = 8443;
  bool tls() const { return !tls_cert_file.empty(); }
};

class Server {
 public:
  // Binds and starts serving on `options.threads` threads; every listener
  // shares them. Errors: Unavailable when an address cannot be bound;
  // NotFound or InvalidArgument when the TLS certificate or key cannot be
  // read, is not PEM, or the key is not the certificate's.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       Handler handler, BodyLimitFn body_limit);
  ~Server();
  // The bound port of host:port (speaking HTTPS when TLS is on without
  // tls_listen).
  uint16_t port() const;
  // The bound HTTPS port: port() in HTTPS-only mode, 0 when TLS is off.
  uint16_t tls_port() const;
  // Stops accepting, lets in-flight requests finish (up to `grace_seconds`),
  // then stops the threads.
  void Drain(int grace_seconds);
  // Blocks until SIGTERM or SIGINT arrives.
  void WaitForSignal();
  int64_t active_requests() const;

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoor::http
