#include "spoor/http/internal/wire.h"

#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace spoor::http::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace bhttp = boost::beast::http;

// Feeds `wire` to a parser in pieces of `step` bytes, as reads would.
boost::beast::error_code Parse(std::string_view wire, Request& request, size_t step = 1 << 20,
                               uint64_t body_limit = 1 << 20, uint32_t header_limit = 8 * 1024) {
  RequestParser parser(request);
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  parser.eager(true);
  std::string pending;
  boost::beast::error_code ec;
  for (size_t at = 0; at < wire.size() && !parser.is_done();) {
    pending.append(wire.substr(at, step));
    at += step;
    size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      continue;
    }
    if (ec) return ec;
    // The rest of what is pending may complete the message.
    while (!pending.empty() && !parser.is_done()) {
      used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return ec;
    }
  }
  if (!parser.is_done()) return bhttp::error::partial_message;
  return ec;
}

TEST(RequestParserTest, SplitsTheTargetAndLowerCasesHeaderNames) {
  Request r;
  ASSERT_FALSE(Parse("GET /mtracking.gif?page_url=x&a=1 HTTP/1.1\r\nHost: h\r\n"
                     "User-Agent: Mozilla/5.0\r\nX-Mixed-Case: Value Kept\r\n\r\n",
                     r));
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/mtracking.gif?page_url=x&a=1");
  EXPECT_EQ(r.path, "/mtracking.gif");
  EXPECT_EQ(r.query, "page_url=x&a=1");
  EXPECT_EQ(r.Header("user-agent"), "Mozilla/5.0");
  EXPECT_EQ(r.Header("x-mixed-case"), "Value Kept");
  EXPECT_EQ(r.Header("User-Agent"), "");  // lookups use lower-case names
  EXPECT_EQ(r.Header("cookie"), "");
  EXPECT_TRUE(r.body.empty());
}

// Names are lower-cased eight bytes at a time: every byte, at every place
// in a word, comes out as the plainest lower-casing has it.
TEST(RequestTest, HeaderNamesLowerCaseOnlyAsciiLetters) {
  for (size_t shift = 0; shift < 8; ++shift) {
    std::string name(shift, 'Q');
    for (int c = 1; c < 256; ++c) name.push_back(static_cast<char>(c));
    std::string want = name;
    for (char& c : want) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    Request request;
    request.AddHeader(name, "v");
    ASSERT_EQ(request.Headers().size(), 1u);
    EXPECT_EQ(request.Headers()[0].first, want) << shift;
    EXPECT_EQ(request.Header(want), "v");
  }
}

TEST(RequestParserTest, FirstOfRepeatedHeadersWins) {
  Request r;
  ASSERT_FALSE(Parse("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n", r));
  EXPECT_EQ(r.Header("cookie"), "a=1");
}

TEST(RequestParserTest, AClearedRequestKeepsNothingOfTheLastOne) {
  Request r;
  r.remote_ip = "10.0.0.1";
  ASSERT_FALSE(Parse("POST /mtc/event?a=1 HTTP/1.1\r\nHost: h\r\nCookie: mtc_id=5\r\n"
                     "Content-Length: 3\r\n\r\nx=1",
                     r));
  r.Clear();
  ASSERT_FALSE(Parse("GET /mtc HTTP/1.1\r\nHost: i\r\n\r\n", r));
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/mtc");
  EXPECT_EQ(r.path, "/mtc");
  EXPECT_EQ(r.query, "");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("host"), "i");
  EXPECT_EQ(r.Header("cookie"), "");
  EXPECT_EQ(r.remote_ip, "10.0.0.1");  // the connection's, kept

  r.body.assign(1 << 20, 'b');
  r.Clear();
  EXPECT_LE(r.body.capacity(), 64u * 1024);  // a large body's buffer is let go
}

TEST(RequestParserTest, ReadsALengthDelimitedBodyInAnyPieces) {
  const std::string wire =
      "POST /mtc/event HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 23\r\n\r\npage_url=https%3A%2F%2F";
  for (size_t step : {1, 2, 7, 1000}) {
    Request r;
    ASSERT_FALSE(Parse(wire, r, step)) << step;
    EXPECT_EQ(r.body, "page_url=https%3A%2F%2F") << step;
    EXPECT_EQ(r.Header("content-length"), "23");
  }
}

TEST(RequestParserTest, DechunksAChunkedBody) {
  Request r;
  ASSERT_FALSE(Parse("POST /api/v1/events HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                     r, 3));
  EXPECT_EQ(r.body, "hello world");
}

TEST(RequestParserTest, RefusesBodiesOverTheLimitAndMalformedRequests) {
  Request big;
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world", big,
                  1 << 20, 10),
            bhttp::error::body_limit);
  EXPECT_TRUE(big.body.empty());
  Request chunked;
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "b\r\nhello world\r\n0\r\n\r\n",
                  chunked, 1 << 20, 10),
            bhttp::error::body_limit);
  Request bad;
  EXPECT_TRUE(Parse("GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n", bad));
  Request smuggled;
  EXPECT_TRUE(Parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"
                    "abcd",
                    smuggled));
  Request response;
  EXPECT_TRUE(Parse("HTTP/1.1 200 OK\r\n\r\n", response));
}

TEST(RequestParserTest, KeepsTheVersionForTheAnswer) {
  Request r;
  RequestParser parser(r);
  boost::beast::error_code ec;
  std::string wire = "GET / HTTP/1.0\r\nHost: h\r\n\r\n";
  parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(parser.version(), 10);
  EXPECT_FALSE(parser.keep_alive());
}

// ParsePlainRequest on `wire`, and Beast's parser on the same bytes: where
// the first takes a request, the second must read the same one.
std::optional<PlainRequest> PlainAndBeast(std::string_view wire, Request& plain,
                                          size_t header_limit = 8 * 1024) {
  std::optional<PlainRequest> took = ParsePlainRequest(wire, header_limit, plain);
  if (took) {
    Request full;
    EXPECT_FALSE(Parse(wire.substr(0, took->bytes), full, 1 << 20, 1 << 20,
                       static_cast<uint32_t>(header_limit)));
    EXPECT_EQ(plain.method, full.method);
    EXPECT_EQ(plain.target, full.target);
    EXPECT_EQ(plain.body, full.body);
    EXPECT_EQ(plain.Headers(), full.Headers());
  }
  return took;
}

TEST(PlainRequestTest, TakesACommonRequestAsBeastReadsIt) {
  Request r;
  const std::string wire =
      "GET /mtracking.gif?page_url=x&a=1 HTTP/1.1\r\nHost: h\r\n"
      "User-Agent: Mozilla/5.0 (X11)\r\nX-Mixed-Case:  Value Kept \t\r\nEmpty:\r\n"
      "X-Tabs: a\tlong\tvalue with\ttabs\r\n\r\n";
  auto took = PlainAndBeast(wire + "GET /next", r);
  ASSERT_TRUE(took.has_value());
  EXPECT_EQ(took->bytes, wire.size());  // the next request's bytes are left
  EXPECT_EQ(took->version, 11);
  EXPECT_TRUE(took->keep_alive);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/mtracking.gif");
  EXPECT_EQ(r.query, "page_url=x&a=1");
  EXPECT_EQ(r.Header("user-agent"), "Mozilla/5.0 (X11)");
  EXPECT_EQ(r.Header("x-mixed-case"), "Value Kept");
  EXPECT_EQ(r.Header("empty"), "");
  EXPECT_EQ(r.Header("x-tabs"), "a\tlong\tvalue with\ttabs");
  EXPECT_EQ(r.Headers().size(), 5u);
}

TEST(PlainRequestTest, TakesABodyOnlyWhenItIsAllThere) {
  const std::string head = "POST /mtc/event HTTP/1.1\r\nContent-Length: 7\r\n\r\n";
  Request r;
  EXPECT_FALSE(ParsePlainRequest(head + "a=1&b", 8192, r).has_value());
  r.Clear();
  auto took = PlainAndBeast(head + "a=1&b=2", r);
  ASSERT_TRUE(took.has_value());
  EXPECT_EQ(took->content_length, 7u);
  EXPECT_EQ(r.body, "a=1&b=2");
}

TEST(PlainRequestTest, ConnectionOptionsAndVersions) {
  struct Case {
    std::string_view wire;
    int version;
    bool keep_alive;
  };
  for (const Case& c : {
           Case{"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 11, false},
           Case{"GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", 11, false},
           Case{"GET / HTTP/1.0\r\n\r\n", 10, false},
           Case{"GET / HTTP/1.0\r\nConnection:\tkeep-alive \r\n\r\n", 10, true},
           Case{"GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n", 11, true},
       }) {
    Request r;
    auto took = PlainAndBeast(c.wire, r);
    ASSERT_TRUE(took.has_value()) << c.wire;
    EXPECT_EQ(took->version, c.version) << c.wire;
    EXPECT_EQ(took->keep_alive, c.keep_alive) << c.wire;
  }
}

// What is not plain is left to Beast's parser, which judges it (and
// refuses some of it).
TEST(PlainRequestTest, LeavesAnythingElseToTheGeneralParser) {
  for (std::string_view wire : {
           "GET / HTTP/1.1\r\nHost: h\r\n",                             // incomplete
           "GET / HTTP/1.1\r\nHost: h\r\n\r",                           // incomplete
           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
           "POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\nx",
           "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
           "POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",
           "GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",
           "GET / HTTP/1.1\r\nConnection: close,,x\r\n\r\n",
           "GET / HTTP/1.1\r\nConnection: a b\r\n\r\n",
           "GET / HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n",             // obs-fold
           "GET / HTTP/1.1\r\nReferer: https://h/\xc3\xa9\r\n\r\n",       // obs-text
           "GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
           "GET / HTTP/1.1\nHost: h\n\n",                                // bare LF
           "GET / HTTP/1.1\r\nHost : h\r\n\r\n",                         // space before ':'
           "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n",
           "GET / HTTP/1.1\r\nX: abcdefgh\x7f" "abcdefgh\r\n\r\n",
           "GET /abcdefgh\x7f HTTP/1.1\r\n\r\n",
           "GET /abcdefgh\tx HTTP/1.1\r\n\r\n",
           "GET / HTTP/2.0\r\n\r\n",
           "GET  / HTTP/1.1\r\n\r\n",
           "GET / HTTP/1.1 \r\n\r\n",
           "G(T / HTTP/1.1\r\n\r\n",
           " GET / HTTP/1.1\r\n\r\n",
           "GET / HTTP/1.1\r\n\r",
       }) {
    Request r;
    EXPECT_FALSE(ParsePlainRequest(wire, 8192, r).has_value()) << wire;
  }
}

// A head longer than the limit is never taken: Beast's parser refuses it
// (431).
TEST(PlainRequestTest, KeepsToTheHeaderLimit) {
  const std::string wire = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  Request r;
  EXPECT_TRUE(PlainAndBeast(wire, r, wire.size()).has_value());
  r.Clear();
  EXPECT_FALSE(ParsePlainRequest(wire, wire.size() - 1, r).has_value());
}

TEST(ResponseHeadTest, StatusLineHeadersAndLength) {
  Response res;
  res.Set("Content-Type", "image/gif");
  res.Set("Set-Cookie", "a=1");
  res.Set("Set-Cookie", "b=2");
  res.body = "GIF89a";
  std::string head = ResponseHead(res, 11, true);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: Spoor\r\nContent-Type: image/gif\r\nSet-Cookie: a=1\r\n"
            "Set-Cookie: b=2\r\nContent-Length: 6\r\n\r\n");
}

TEST(ResponseHeadTest, HeaderValuesArePiecesAndCannotBreakTheHead) {
  Response res;
  res.Set("Set-Cookie", "mtc_id=", uint64_t{42}, "; Path=", std::string("/w/a/"));
  res.Set("X-Evil", "a\r\nSet-Cookie: b=1", '\0');
  res.Set("X-Gone", "soon");
  res.UnsetLast();
  Response other;
  other.Set("Location", std::string_view("/next"));
  res.SetAll(other);
  res.status = 204;
  EXPECT_EQ(ResponseHead(res, 11, true),
            "HTTP/1.1 204 No Content\r\nServer: Spoor\r\nSet-Cookie: mtc_id=42; Path=/w/a/\r\n"
            "X-Evil: a  Set-Cookie: b=1 \r\nLocation: /next\r\n\r\n");
  res.UnsetLast();
  EXPECT_THAT(ResponseHead(res, 11, true), Not(HasSubstr("Location")));
}

TEST(ResponseHeadTest, ABreakIsCleanedWhereverItFalls) {
  for (size_t at = 0; at < 40; ++at) {
    for (char bad : {'\r', '\n', '\0'}) {
      std::string value(40, 'v');
      value[at] = bad;
      Response res;
      res.Set("X-Long-Header-Name", value);
      std::string expected(40, 'v');
      expected[at] = ' ';
      EXPECT_EQ(res.FieldLines(), "X-Long-Header-Name: " + expected + "\r\n") << at;
    }
  }
}

TEST(ResponseHeadTest, ConnectionHeaderOnlyWhenItDiffersFromTheVersionDefault) {
  Response res;
  EXPECT_THAT(ResponseHead(res, 11, false), HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(ResponseHead(res, 11, true), Not(HasSubstr("Connection:")));
  EXPECT_THAT(ResponseHead(res, 10, true), HasSubstr("\r\nConnection: keep-alive\r\n"));
  EXPECT_THAT(ResponseHead(res, 10, false), Not(HasSubstr("Connection:")));
  EXPECT_EQ(ResponseHead(res, 10, false).rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
}

TEST(ResponseHeadTest, StreamedBodiesAreChunkedOrEndWithTheConnection) {
  Response res;
  res.stream = [](std::string&) -> boost::asio::awaitable<absl::StatusOr<bool>> { co_return false; };
  const std::string chunked = ResponseHead(res, 11, true);
  EXPECT_THAT(chunked, HasSubstr("\r\nTransfer-Encoding: chunked\r\n"));
  EXPECT_THAT(chunked, Not(HasSubstr("Content-Length")));
  const std::string until_close = ResponseHead(res, 10, true);
  EXPECT_THAT(until_close, Not(HasSubstr("Transfer-Encoding")));
  EXPECT_THAT(until_close, Not(HasSubstr("Content-Length")));
  EXPECT_THAT(until_close, Not(HasSubstr("keep-alive")));
}

TEST(ResponseHeadTest, NoContentAnswersCarryNoLength) {
  Response res;
  res.status = 204;
  EXPECT_EQ(ResponseHead(res, 11, true), "HTTP/1.1 204 No Content\r\nServer: Spoor\r\n\r\n");
  res.status = 404;
  EXPECT_THAT(ResponseHead(res, 11, true), HasSubstr("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(ResponseHead(res, 11, true), HasSubstr("Content-Length: 0\r\n"));
}

TEST(ResponseHeadTest, ValuesCannotStartHeadersOfTheirOwn) {
  Response res;
  res.status = 302;
  res.Set("Location", "https://example.com/\r\nSet-Cookie: evil=1");
  res.Set("X-A\nB", std::string("v\0w", 3));
  std::string head = ResponseHead(res, 11, true);
  EXPECT_THAT(head, HasSubstr("Location: https://example.com/  Set-Cookie: evil=1\r\n"));
  EXPECT_THAT(head, HasSubstr("X-A B: v w\r\n"));
  EXPECT_THAT(head, Not(HasSubstr("\r\nSet-Cookie")));
}

}  // namespace
}  // namespace spoor::http::internal
