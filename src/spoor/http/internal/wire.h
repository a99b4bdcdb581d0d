// HTTP/1.1 on the wire, without Beast's message containers: a request
// parser that fills a Request as it goes (Beast's strict basic_parser does
// the parsing), and the serialized head of a Response. One request costs a
// few allocations, not one per header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/basic_parser.hpp>

#include "spoor/http/http.h"

namespace spoor::http::internal {

// Parses one request into `request`: method, target, path, query, headers
// (names lower-cased) and the body, de-chunked. Limits are the caller's,
// through header_limit() and body_limit(); a body over the limit fails
// with error::body_limit before it is stored.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(Request& request) : request_(request) {}

  int version() const { return version_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  using field = boost::beast::http::field;
  using verb = boost::beast::http::verb;

  void on_request_impl(verb method, string_view method_str, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  Request& request_;
  int version_ = 11;
};

// A whole request as ParsePlainRequest took it.
struct PlainRequest {
  size_t bytes = 0;  // of the buffer: head and body
  int version = 11;
  bool keep_alive = true;
  uint64_t content_length = 0;  // the body's, which `request` holds
};

// Parses a plain request, whole in `in`, into `request` (which must be
// clear): the common case, at a fraction of RequestParser's cost, and
// never accepting what RequestParser refuses or reading it otherwise
// (fuzz/http_request_fuzzer checks both). Plain: HTTP/1.0 or 1.1, a
// token method, a target of visible ASCII, headers of a token name and a
// value of printable ASCII or tabs, each line ending in CRLF, the head no
// longer than `header_limit`, at most one Content-Length (digits) and its
// body all in `in`, and no Transfer-Encoding or Proxy-Connection. Anything
// else (incomplete, chunked, obs-text, folded lines, ...) returns nullopt,
// `request` maybe part filled: Clear() it, and parse with RequestParser.
std::optional<PlainRequest> ParsePlainRequest(std::string_view in, size_t header_limit,
                                              Request& request);

// The status line and headers of `response` (with Server, Content-Length
// and, when the connection's fate differs from the version's default,
// Connection), ending with the blank line. 1xx, 204 and 304 answers get no
// Content-Length. CR, LF and NUL in header names or values become spaces:
// a handler's value can never start a header of its own.
std::string ResponseHead(const Response& response, unsigned version, bool keep_alive);
// The same, appended to `head` (a connection reuses one buffer).
void AppendResponseHead(std::string& head, const Response& response, unsigned version,
                        bool keep_alive);

}  // namespace spoor::http::internal
