#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <deque>
#include <future>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "absl/cleanup/cleanup.h"
#include "spdlog/spdlog.h"
#include "spoor/common/status.h"
#include "spoor/common/strings.h"
#include "spoor/http/http.h"
#include "spoor/http/internal/tls_context.h"
#include "spoor/http/internal/run_loop.h"
#include "spoor/http/internal/wire.h"

namespace spoor::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using tls_stream = asio::ssl::stream<tcp::socket>;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

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

// One event loop per thread: a connection lives on one loop from accept to
// close, so its coroutine, its parser and (for TLS) OpenSSL's state are never
// touched by two threads, without a strand; and the loops share no lock but
// the ones their posts from other threads need.
class Server::Impl {
 public:
  Impl(const ServerOptions& options, Handler handler, BodyLimitFn body_limit)
      : options_(options), handler_(std::move(handler)), body_limit_(std::move(body_limit)) {
    const int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
    signals_.emplace(workers_[0]->ioc, SIGTERM, SIGINT);
  }

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
    asio::io_context& first = workers_[0]->ioc;
    for (Listener& listener : listeners_) asio::co_spawn(first, Accept(listener), asio::detached);
    const std::chrono::microseconds spin(SpinMicros());
    for (size_t i = 0; i < workers_.size(); ++i) {
      Worker* w = workers_[i].get();
      asio::co_spawn(w->ioc, Sweep(*w), asio::detached);
      w->thread = std::thread([this, w, spin, name = "spoor-http-" + std::to_string(i)] {
        pthread_setname_np(pthread_self(), name.c_str());
        internal::RunLoop(w->ioc, spin, options_.idle_work);
      });
    }
    return absl::OkStatus();
  }

  int SpinMicros() const {
    if (options_.spin_us != ServerOptions::kSpinAuto) return options_.spin_us;
    return workers_.size() < std::thread::hardware_concurrency() ? ServerOptions::kAutoSpinUs : 0;
  }

  void Drain(int grace_seconds) {
    draining_ = true;
    asio::post(workers_[0]->ioc, [this] {
      boost::system::error_code ec;
      for (Listener& listener : listeners_) listener.acceptor.close(ec);
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
    while (active_ > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (auto& worker : workers_) worker->ioc.stop();
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) worker->thread.join();
    }
  }

  void WaitForSignal() {
    std::promise<void> got;
    signals_->async_wait([&got](const boost::system::error_code&, int) { got.set_value(); });
    got.get_future().wait();
  }

  ~Impl() {
    bool running = false;
    for (auto& worker : workers_) running = running || worker->thread.joinable();
    if (running) Drain(0);
  }

  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::atomic<int64_t> active_{0};

 private:
  using Clock = std::chrono::steady_clock;
  struct Worker;

  // A live connection, on its worker's list, so the worker's sweeper can
  // close it when its deadline passes: one timer per thread instead of a
  // timer operation per read and write.
  struct Connection {
    Connection(tcp::socket& s, Worker& w) : socket(s), worker(w) {
      next = worker.connections;
      if (next != nullptr) next->prev = this;
      worker.connections = this;
    }
    ~Connection() {
      if (prev != nullptr) prev->next = next;
      else worker.connections = next;
      if (next != nullptr) next->prev = prev;
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void ExpiresAfter(std::chrono::seconds s) { deadline = Clock::now() + s; }
    void NoDeadline() { deadline = Clock::time_point::max(); }

    tcp::socket& socket;  // the lowest layer
    Worker& worker;
    Clock::time_point deadline = Clock::time_point::max();
    Connection* prev = nullptr;
    Connection* next = nullptr;
  };

  struct Worker {
    // Declared before the loop: connections still in the loop when it is
    // destroyed unlink themselves from this list.
    Connection* connections = nullptr;
    asio::io_context ioc{1};
    asio::steady_timer sweeper{ioc};
    std::thread thread;
  };

  struct Listener {
    tcp::acceptor acceptor;
    bool tls;
  };

  absl::StatusOr<uint16_t> Bind(const std::string& host, uint16_t port, bool tls) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return absl::InvalidArgumentError(StrCat("bad listen host ", host));
    tcp::endpoint endpoint(address, port);
    Listener& listener = listeners_.emplace_back(Listener{tcp::acceptor(workers_[0]->ioc), tls});
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

  // Accepts on the first loop and hands connections to the loops in turn.
  asio::awaitable<void> Accept(Listener& listener) {
    size_t turn = 0;
    while (!draining_) {
      Worker& worker = *workers_[turn++ % workers_.size()];
      tcp::socket socket(worker.ioc);
      auto [ec] = co_await listener.acceptor.async_accept(socket, kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || draining_) co_return;
        // Out of descriptors, say: pause rather than spin.
        asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
        co_await pause.async_wait(kTuple);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (listener.tls) {
        asio::co_spawn(worker.ioc,
                       TlsSession(tls_stream(std::move(socket), *tls_context_), worker),
                       asio::detached);
      } else {
        asio::co_spawn(worker.ioc, PlainSession(std::move(socket), worker), asio::detached);
      }
    }
  }

  // Closes the connections whose deadline has passed; their pending read or
  // write then ends with an error and the session quietly stops.
  asio::awaitable<void> Sweep(Worker& worker) {
    while (true) {
      worker.sweeper.expires_after(std::chrono::milliseconds(250));
      auto [ec] = co_await worker.sweeper.async_wait(kTuple);
      if (ec) co_return;
      const Clock::time_point now = Clock::now();
      for (Connection* c = worker.connections; c != nullptr; c = c->next) {
        if (c->deadline > now) continue;
        c->NoDeadline();
        boost::system::error_code close_ec;
        c->socket.close(close_ec);
      }
    }
  }

  asio::awaitable<void> PlainSession(tcp::socket socket, Worker& worker) {
    Connection connection(socket, worker);
    // Direct writes (see Write) return would_block rather than wait.
    boost::system::error_code nb_ec;
    socket.non_blocking(true, nb_ec);
    co_await Serve(socket, connection, false);
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  // The handshake gets the same deadline as a read. A failed handshake (a
  // scanner, plain HTTP on the TLS port, a client below TLS 1.2) closes the
  // connection and nothing else.
  asio::awaitable<void> TlsSession(tls_stream stream, Worker& worker) {
    Connection connection(stream.next_layer(), worker);
    connection.ExpiresAfter(std::chrono::seconds(options_.read_timeout_seconds));
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      spdlog::debug("TLS handshake failed: {}", ec.message());
      co_return;
    }
    co_await Serve(stream, connection, true);
    // close_notify, so the client can tell the end from a truncation; a
    // client that never answers costs at most one read timeout.
    connection.ExpiresAfter(std::chrono::seconds(options_.read_timeout_seconds));
    auto [shutdown_ec] = co_await stream.async_shutdown(kTuple);
    (void)shutdown_ec;
  }

  static std::string RemoteIp(tcp::socket& socket) {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  // Errors that end a connection quietly: the client left or went silent.
  static bool IsQuietEnd(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
           ec == asio::error::bad_descriptor || ec == asio::ssl::error::stream_truncated;
  }

  // Feeds the parser what `buffer` holds. Returns no error once it has the
  // header (`header_only`) or the whole message, need_more when it wants
  // more bytes, or the parse error.
  static beast::error_code Parse(beast::flat_buffer& buffer, internal::RequestParser& parser,
                                 bool header_only) {
    beast::error_code ec;
    while (!(header_only ? parser.is_header_done() : parser.is_done())) {
      if (buffer.size() == 0) return bhttp::error::need_more;
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec) return ec;
      if (used == 0) return bhttp::error::need_more;
    }
    return ec;
  }

  // Takes in what a read brought (`n` bytes, or the read's error) and
  // parses on, as Parse does; a failed read ends the message under way.
  static beast::error_code Received(beast::flat_buffer& buffer, internal::RequestParser& parser,
                                    const beast::error_code& read_ec, size_t n,
                                    bool header_only) {
    if (!read_ec) {
      buffer.commit(n);
      return Parse(buffer, parser, header_only);
    }
    if (read_ec != asio::error::eof) return read_ec;
    if (!parser.got_some()) return bhttp::error::end_of_stream;
    beast::error_code ec;
    parser.put_eof(ec);
    return ec ? ec : beast::error_code(bhttp::error::partial_message);
  }

  // How a request arrived, for its answer.
  struct Arrived {
    int version = 11;
    bool keep_alive = true;
  };

  // The read → handle → write loop, the same for both kinds of stream. A
  // request costs no coroutine frame here: reads and a write's rest are
  // awaited in this frame, which lives as long as the connection. A plain
  // request read whole in one go is parsed by ParsePlainRequest; anything
  // else, by Beast's parser (ReadRequest).
  template <typename Stream>
  asio::awaitable<void> Serve(Stream& stream, Connection& connection, bool secure) {
    beast::flat_buffer buffer;
    std::string head;  // reused: each answer's head is written into it
    const auto read_timeout = std::chrono::seconds(options_.read_timeout_seconds);
    Request request;  // reused: its buffers serve the connection's every request
    request.remote_ip = RemoteIp(connection.socket);
    request.secure = secure;
    for (int served = 0; served < options_.keep_alive_requests && !draining_; ++served) {
      request.Clear();
      connection.ExpiresAfter(read_timeout);
      if (buffer.size() == 0) {
        auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), kTuple);
        if (read_ec) break;  // not a byte of a request: the connection just ends
        buffer.commit(n);
      }
      Arrived arrived;
      const auto* bytes = static_cast<const char*>(buffer.data().data());
      std::optional<internal::PlainRequest> plain = internal::ParsePlainRequest(
          {bytes, buffer.size()}, options_.header_limit, request);
      if (plain) {
        const RouteBodyLimit route_limit = body_limit_(request.method, request.path);
        if (plain->content_length > route_limit.bytes) {
          co_await WriteError(stream, connection, route_limit.status, "body too large");
          break;
        }
        ++active_;
        buffer.consume(plain->bytes);
        arrived = {plain->version, plain->keep_alive};
      } else {
        request.Clear();
        std::optional<Arrived> read = co_await ReadRequest(stream, connection, buffer, request);
        if (!read) break;
        arrived = *read;
      }
      absl::Cleanup done = [this] { --active_; };
      connection.NoDeadline();  // a handler may wait for a commit; that is not the client's time
      bool keep_alive = arrived.keep_alive;
      const unsigned version = static_cast<unsigned>(arrived.version);
      Response res;
      try {
        res = co_await handler_(request);
      } catch (const std::exception& e) {
        spdlog::error("handler for {} {} threw: {}", request.method, request.path, e.what());
        res = JsonError(500, "internal", "internal error");
      }
      // The connection's last answer says so: its client then sends no
      // request into a closing connection.
      const bool last = served + 1 >= options_.keep_alive_requests;
      keep_alive = keep_alive && !res.close && !draining_ && !last;
      if (res.stream) {
        // HTTP/1.0 has no chunks: the body ends where the connection does.
        keep_alive = keep_alive && version != 10;
        if (!co_await WriteStreamed(stream, connection, res, version, keep_alive)) break;
      } else {
        const Wire wire = PrepareWrite(connection, res, version, keep_alive, head);
        const std::optional<size_t> sent = SendNow(stream, wire);
        if (!sent) break;
        if (*sent < asio::buffer_size(wire) && !co_await SendRest(stream, wire, *sent)) break;
      }
      if (!keep_alive) break;
    }
  }

  // Reads a request into `request` with Beast's parser, from what
  // `buffer` holds and what more comes, counting it active once its head is
  // in; answers the errors (431, 413, 400) itself. Nothing when the
  // connection is to end, else how the request arrived.
  template <typename Stream>
  asio::awaitable<std::optional<Arrived>> ReadRequest(Stream& stream, Connection& connection,
                                                      beast::flat_buffer& buffer,
                                                      Request& request) {
    const auto read_timeout = std::chrono::seconds(options_.read_timeout_seconds);
    internal::RequestParser parser(request);
    parser.header_limit(static_cast<uint32_t>(options_.header_limit));
    parser.body_limit(kLargestBody);
    beast::error_code ec = Parse(buffer, parser, /*header_only=*/true);
    while (ec == bhttp::error::need_more) {
      auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), kTuple);
      ec = Received(buffer, parser, read_ec, n, /*header_only=*/true);
    }
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        co_await WriteError(stream, connection, 431, "headers too large");
      } else if (ec == bhttp::error::body_limit) {
        co_await WriteError(stream, connection, 413, "body too large");
      } else if (!IsQuietEnd(ec)) {
        co_await WriteError(stream, connection, 400, "malformed request");
      }
      co_return std::nullopt;
    }
    ++active_;
    absl::Cleanup inactive = [this] { --active_; };
    const RouteBodyLimit route_limit = body_limit_(request.method, request.path);
    // The declared length is checked before a byte of the body is read.
    if (parser.content_length() && *parser.content_length() > route_limit.bytes) {
      co_await WriteError(stream, connection, route_limit.status, "body too large");
      co_return std::nullopt;
    }
    if (!parser.is_done()) {
      parser.body_limit(route_limit.bytes);
      parser.eager(true);
      connection.ExpiresAfter(read_timeout);
      ec = Parse(buffer, parser, /*header_only=*/false);
      while (ec == bhttp::error::need_more) {
        auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), kTuple);
        ec = Received(buffer, parser, read_ec, n, /*header_only=*/false);
      }
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          co_await WriteError(stream, connection, route_limit.status, "body too large");
        } else if (!IsQuietEnd(ec)) {
          co_await WriteError(stream, connection, 400, "malformed body");
        }
        co_return std::nullopt;
      }
    }
    std::move(inactive).Cancel();  // the caller's now
    co_return Arrived{parser.version(), parser.keep_alive()};
  }

  // Sends the head, then each piece the body's stream makes as it comes.
  // Only sending is the client's time; making a piece is not. The head goes
  // out with the first piece: a stream that fails at once still gets a 500.
  template <typename Stream>
  static asio::awaitable<bool> WriteStreamed(Stream& stream, Connection& connection,
                                             const Response& res, unsigned version,
                                             bool keep_alive) {
    const bool chunked = version != 10;
    std::string out = internal::ResponseHead(res, version, keep_alive);
    std::string piece;
    bool head_sent = false;
    for (bool more = true; more;) {
      piece.clear();
      connection.NoDeadline();
      absl::StatusOr<bool> made = absl::InternalError("no answer");
      try {
        made = co_await res.stream(piece);
      } catch (const std::exception& e) {
        made = absl::InternalError(e.what());
      }
      if (!made.ok()) {
        spdlog::error("streamed answer failed{}: {}", head_sent ? " midway" : "",
                      made.status().ToString());
        if (!head_sent) {
          co_await Write(stream, connection, JsonError(500, "internal", "internal error"), version,
                         false);
        }
        co_return false;
      }
      more = *made;
      if (!piece.empty()) {
        if (chunked) {
          char size[24];
          out.append(size, static_cast<size_t>(std::snprintf(size, sizeof(size), "%zx\r\n", piece.size())));
          out.append(piece).append("\r\n");
        } else {
          out.append(piece);
        }
      }
      if (!more && chunked) out.append("0\r\n\r\n");
      if (out.empty()) continue;
      connection.ExpiresAfter(kWriteTimeout);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), kTuple);
      if (ec) co_return false;
      head_sent = true;
      out.clear();
    }
    co_return true;
  }

  // An answer as it goes on the wire: its head, then its body.
  using Wire = std::array<asio::const_buffer, 2>;

  // Writes the head of `res` into `head` and arms the write's deadline.
  static Wire PrepareWrite(Connection& connection, const Response& res, unsigned version,
                           bool keep_alive, std::string& head) {
    head.clear();
    internal::AppendResponseHead(head, res, version, keep_alive);
    const bool bodiless = res.status < 200 || res.status == 204 || res.status == 304;
    connection.ExpiresAfter(kWriteTimeout);
    return {asio::buffer(head), bodiless ? asio::const_buffer() : asio::buffer(res.body)};
  }

  // On a plain socket, sends what the socket takes now: an answer nearly
  // always fits its buffer, and then needs no trip through the loop's
  // queue. Returns the bytes sent (none over TLS), or nothing when the
  // connection failed.
  template <typename Stream>
  static std::optional<size_t> SendNow(Stream& stream, const Wire& wire) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      boost::system::error_code ec;
      const size_t sent = stream.write_some(wire, ec);
      if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return std::nullopt;
      return sent;
    } else {
      return 0;
    }
  }

  // Sends what SendNow left.
  template <typename Stream>
  static asio::awaitable<bool> SendRest(Stream& stream, const Wire& wire, size_t sent) {
    auto rest = beast::buffers_suffix<Wire>(wire);
    rest.consume(sent);
    auto [ec, n] = co_await asio::async_write(stream, rest, kTuple);
    co_return !ec;
  }

  template <typename Stream>
  static asio::awaitable<bool> Write(Stream& stream, Connection& connection, const Response& res,
                                     unsigned version, bool keep_alive) {
    std::string head;
    const Wire wire = PrepareWrite(connection, res, version, keep_alive, head);
    const std::optional<size_t> sent = SendNow(stream, wire);
    if (!sent) co_return false;
    co_return *sent == asio::buffer_size(wire) || co_await SendRest(stream, wire, *sent);
  }

  template <typename Stream>
  static asio::awaitable<void> WriteError(Stream& stream, Connection& connection, int status,
                                          std::string_view msg) {
    Response res = JsonError(status, status == 413 ? "payload_too_large" : "bad_request", msg);
    co_await Write(stream, connection, res, 11, false);
  }

  // How long a client may take to take in one write of an answer.
  static constexpr std::chrono::seconds kWriteTimeout{30};
  // Bytes asked of the socket per read.
  static constexpr size_t kReadSize = 16 * 1024;
  // The body limit until the route's is known: only a declared length over
  // it is refused that early (413).
  static constexpr uint64_t kLargestBody = 64ull * 1024 * 1024;

  ServerOptions options_;
  Handler handler_;
  BodyLimitFn body_limit_;
  // Before the workers: connections that a loop still holds when it is
  // destroyed refer to it.
  std::unique_ptr<asio::ssl::context> tls_context_;  // null when TLS is off
  std::vector<std::unique_ptr<Worker>> workers_;
  // After the workers: they use the first loop.
  std::deque<Listener> listeners_;  // a deque: Accept() holds references
  std::optional<asio::signal_set> signals_;
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
int64_t Server::active_requests() const { return impl_->active_.load(); }

}  // namespace spoor::http
