#include <atomic>
#include <csignal>
#include <deque>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include "spdlog/spdlog.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"
#include "spoor/http/http.h"
#include "spoor/http/internal/tls_context.h"

namespace spoor::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using tcp_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<tcp_stream>;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

Response JsonError(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  boost::json::object err{{"code", code}, {"message", message}};
  r.body = boost::json::serialize(boost::json::object{{"error", std::move(err)}});
  return r;
}

Response JsonResponse(int status, const boost::json::value& body) {
  Response res;
  res.status = status;
  res.Set("Content-Type", "application/json");
  res.Set("Cache-Control", "no-store");
  res.body = boost::json::serialize(body);
  return res;
}

class Server::Impl {
 public:
  Impl(const ServerOptions& options, Handler handler, BodyLimitFn body_limit)
      : options_(options),
        handler_(std::move(handler)),
        body_limit_(std::move(body_limit)),
        ioc_(options.threads),
        signals_(ioc_, SIGTERM, SIGINT) {}

  // Loads the TLS context first, so a bad certificate fails before any
  // port is bound.
  absl::Status Listen() {
    if (options_.tls()) {
      SPOOR_ASSIGN_OR_RETURN(tls_context_, internal::NewServerTlsContext(options_.tls_cert_file,
                                                                         options_.tls_key_file));
    }
    bool https_only = options_.tls() && !options_.tls_listen;
    SPOOR_ASSIGN_OR_RETURN(port_, Bind(options_.host, options_.port, https_only));
    if (https_only) tls_port_ = port_;
    if (options_.tls() && options_.tls_listen) {
      SPOOR_ASSIGN_OR_RETURN(tls_port_, Bind(options_.tls_host, options_.tls_port, true));
    }
    for (Listener& listener : listeners_) asio::co_spawn(ioc_, Accept(listener), asio::detached);
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return absl::OkStatus();
  }

  void Drain(int grace_seconds) {
    draining_ = true;
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      for (Listener& listener : listeners_) listener.acceptor.close(ec);
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
    while (active_ > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

  void WaitForSignal() {
    std::promise<void> got;
    signals_.async_wait([&got](const boost::system::error_code&, int) { got.set_value(); });
    got.get_future().wait();
  }

  ~Impl() {
    if (!threads_.empty()) Drain(0);
  }

  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::atomic<int64_t> active_{0};
  asio::io_context& ioc() { return ioc_; }

 private:
  struct Listener {
    tcp::acceptor acceptor;
    bool tls;
  };
  // Who is on the other end of a connection, for every request on it.
  struct Peer {
    std::string ip;
    bool secure = false;
  };

  absl::StatusOr<uint16_t> Bind(const std::string& host, uint16_t port, bool tls) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return absl::InvalidArgumentError(StrCat("bad listen host ", host));
    tcp::endpoint endpoint(address, port);
    Listener& listener = listeners_.emplace_back(Listener{tcp::acceptor(ioc_), tls});
    tcp::acceptor& acceptor = listener.acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          StrCat("cannot listen on ", host, ":", port, ": ", ec.message()));
    }
    return acceptor.local_endpoint().port();
  }

  // Each connection gets its own strand: its coroutine, the stream's timer
  // and (for TLS) OpenSSL's state are then never touched by two threads.
  asio::awaitable<void> Accept(Listener& listener) {
    while (!draining_) {
      tcp::socket socket(asio::make_strand(ioc_));
      auto [ec] = co_await listener.acceptor.async_accept(socket, kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || draining_) co_return;
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto executor = socket.get_executor();
      if (listener.tls) {
        asio::co_spawn(executor, TlsSession(tls_stream(std::move(socket), *tls_context_)),
                       asio::detached);
      } else {
        asio::co_spawn(executor, PlainSession(tcp_stream(std::move(socket))), asio::detached);
      }
    }
  }

  asio::awaitable<void> PlainSession(tcp_stream stream) {
    co_await Serve(stream, false);
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // The handshake gets the same deadline as a read. A failed handshake (a
  // scanner, plain HTTP on the TLS port, a client below TLS 1.2) closes the
  // connection and nothing else.
  asio::awaitable<void> TlsSession(tls_stream stream) {
    stream.next_layer().expires_after(std::chrono::seconds(options_.read_timeout_seconds));
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      spdlog::debug("TLS handshake failed: {}", ec.message());
      co_return;
    }
    co_await Serve(stream, true);
    // close_notify, so the client can tell the end from a truncation; a
    // client that never answers costs at most one read timeout.
    stream.next_layer().expires_after(std::chrono::seconds(options_.read_timeout_seconds));
    auto [shutdown_ec] = co_await stream.async_shutdown(kTuple);
    (void)shutdown_ec;
  }

  static std::string RemoteIp(tcp_stream& stream) {
    boost::system::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  // Errors that end a connection quietly: the client left or went silent.
  static bool IsQuietEnd(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == beast::error::timeout || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated;
  }

  static Request ToRequest(bhttp::request<bhttp::string_body>& msg, std::string remote_ip,
                           bool secure) {
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(16);
    for (const auto& field : msg) {
      req.headers.emplace_back(AsciiLower(field.name_string()), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    req.remote_ip = std::move(remote_ip);
    req.secure = secure;
    return req;
  }

  // The read → handle → write loop, the same for both kinds of stream.
  template <typename Stream>
  asio::awaitable<void> Serve(Stream& stream, bool secure) {
    beast::flat_buffer buffer;
    Peer peer{RemoteIp(beast::get_lowest_layer(stream)), secure};
    for (int served = 0; served < options_.keep_alive_requests && !draining_; ++served) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.header_limit));
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::seconds(options_.read_timeout_seconds));
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
      if (ec) {
        if (ec == bhttp::error::header_limit) co_await WriteError(stream, 431, "headers too large");
        else if (!IsQuietEnd(ec)) co_await WriteError(stream, 400, "malformed request");
        break;
      }
      ++active_;
      bool keep_going = co_await HandleOne(stream, buffer, parser, peer);
      --active_;
      if (!keep_going) break;
    }
  }

  template <typename Stream>
  asio::awaitable<bool> HandleOne(Stream& stream, beast::flat_buffer& buffer,
                                  bhttp::request_parser<bhttp::string_body>& parser,
                                  const Peer& peer) {
    auto& header = parser.get();
    const RouteBodyLimit route_limit = body_limit_(header.method_string(), header.target().substr(
                                                  0, header.target().find('?')));
    const size_t limit = route_limit.bytes;
    parser.body_limit(limit);
    // Beast checks Content-Length against the limit while parsing the header,
    // before the per-route limit is known: check the declared length here.
    if (parser.content_length() && *parser.content_length() > limit) {
      co_await WriteError(stream, route_limit.status, "body too large");
      co_return false;
    }
    if (!parser.is_done()) {
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          co_await WriteError(stream, route_limit.status, "body too large");
        }
        else if (ec != beast::error::timeout) co_await WriteError(stream, 400, "malformed body");
        co_return false;
      }
    }
    auto msg = parser.release();
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();
    Request req = ToRequest(msg, peer.ip, peer.secure);
    Response res;
    try {
      res = co_await handler_(req);
    } catch (const std::exception& e) {
      spdlog::error("handler for {} {} threw: {}", req.method, req.path, e.what());
      res = JsonError(500, "internal", "internal error");
    }
    keep_alive = keep_alive && !res.close && !draining_;
    co_return co_await Write(stream, std::move(res), version, keep_alive) && keep_alive;
  }

  template <typename Stream>
  static asio::awaitable<bool> Write(Stream& stream, Response res, unsigned version,
                                     bool keep_alive) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
    out.set(bhttp::field::server, "Spoor");
    for (auto& [k, v] : res.headers) out.insert(k, v);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
    co_return !ec;
  }

  template <typename Stream>
  static asio::awaitable<void> WriteError(Stream& stream, int status, std::string_view msg) {
    Response res = JsonError(status, status == 413 ? "payload_too_large" : "bad_request", msg);
    co_await Write(stream, std::move(res), 11, false);
  }

  ServerOptions options_;
  Handler handler_;
  BodyLimitFn body_limit_;
  // Before ioc_: connections that ioc_ still holds when it is destroyed refer to it.
  std::unique_ptr<asio::ssl::context> tls_context_;  // null when TLS is off
  asio::io_context ioc_;
  std::deque<Listener> listeners_;  // a deque: Accept() holds references
  asio::signal_set signals_;
  std::vector<std::thread> threads_;
  std::atomic<bool> draining_{false};
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      Handler handler, BodyLimitFn body_limit) {
  auto impl = std::make_unique<Impl>(options, std::move(handler), std::move(body_limit));
  absl::Status status = impl->Listen();
  if (!status.ok()) return status;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port_; }
uint16_t Server::tls_port() const { return impl_->tls_port_; }
void Server::Drain(int grace_seconds) { impl_->Drain(grace_seconds); }
void Server::WaitForSignal() { impl_->WaitForSignal(); }
boost::asio::any_io_executor Server::executor() { return impl_->ioc().get_executor(); }
int64_t Server::active_requests() const { return impl_->active_.load(); }

}  // namespace spoor::http
