// The server's read → handle → write loop over a real loopback socket:
// keep-alive, pipelined requests, bodies, limits and the keep-alive cap.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spoor/http/http.h"

namespace spoor::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A blocking client socket on the server's port.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads until `count` whole answers (each with a Content-Length) are in,
  // or the server closes; returns everything read.
  std::string ReadAnswers(int count) {
    while (Complete() < count) {
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      in_.append(buf, static_cast<size_t>(n));
    }
    return in_;
  }

  // Whether the server has closed the connection (reads EOF).
  bool Closed() {
    char c;
    return recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int Complete() const {
    int done = 0;
    size_t at = 0;
    while (true) {
      size_t end = in_.find("\r\n\r\n", at);
      if (end == std::string::npos) return done;
      size_t length_at = in_.find("Content-Length: ", at);
      size_t length = length_at < end ? std::stoul(in_.substr(length_at + 16)) : 0;
      if (in_.size() < end + 4 + length) return done;
      at = end + 4 + length;
      ++done;
    }
  }

  int fd_;
  bool connected_ = false;
  std::string in_;
};

class ServerTest : public ::testing::Test {
 protected:
  void Start(int keep_alive_requests) {
    ServerOptions options;
    options.port = 0;
    options.threads = 1;
    options.keep_alive_requests = keep_alive_requests;
    auto handler = [](Request& request) -> boost::asio::awaitable<Response> {
      Response res;
      res.Set("Content-Type", "text/plain");
      res.body = request.method + " " + request.path + " [" + request.body + "]";
      co_return res;
    };
    auto body_limit = [](std::string_view, std::string_view) { return RouteBodyLimit(16); };
    auto server = Server::Start(options, handler, body_limit);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->Drain(1);
  }

  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, AnswersPipelinedRequestsInOrderOnOneConnection) {
  Start(100);
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send(
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string out = client.ReadAnswers(3);
  size_t a = out.find("GET /a []"), b = out.find("POST /b [hello]"), c = out.find("GET /c []");
  ASSERT_NE(a, std::string::npos) << out;
  ASSERT_NE(b, std::string::npos) << out;
  ASSERT_NE(c, std::string::npos) << out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_THAT(out, Not(HasSubstr("Connection: close")));
}

TEST_F(ServerTest, ReadsAHeadAndABodyThatComeInPieces) {
  Start(100);
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send("POST /p HTTP/1.1\r\nHo");
  usleep(20000);
  client.Send("st: x\r\nContent-Length: 6\r\n\r\nab");
  usleep(20000);
  client.Send("cdef");
  EXPECT_THAT(client.ReadAnswers(1), HasSubstr("POST /p [abcdef]"));
}

TEST_F(ServerTest, RefusesADeclaredBodyOverTheRouteLimitAndCloses) {
  Start(100);
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n");
  std::string out = client.ReadAnswers(1);
  EXPECT_THAT(out, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(out, HasSubstr("\"payload_too_large\""));
  EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, AMalformedRequestGetsA400AndTheConnectionCloses) {
  Start(100);
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send("GET /a HTTP/1.1\r\nHost x\r\n\r\n");
  EXPECT_THAT(client.ReadAnswers(1), HasSubstr("HTTP/1.1 400"));
  EXPECT_TRUE(client.Closed());
}

// The answer that uses up a connection's requests says so, so that a
// client does not send another request into a closing connection.
TEST_F(ServerTest, TheLastAnswerAConnectionAllowsSaysConnectionClose) {
  Start(3);
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  const std::string get = "GET /k HTTP/1.1\r\nHost: x\r\n\r\n";
  client.Send(get + get);
  std::string two = client.ReadAnswers(2);
  EXPECT_THAT(two, Not(HasSubstr("Connection: close")));
  client.Send(get);
  std::string three = client.ReadAnswers(3);
  EXPECT_THAT(three.substr(two.size()), HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_TRUE(client.Closed());
}

}  // namespace
}  // namespace spoor::http
