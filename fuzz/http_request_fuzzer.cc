// Fuzzes the HTTP request parsers the server reads requests with: the
// first byte picks how the rest is split into reads. No crash, no body over
// its limit, and a parsed request's headers are all found again by name.
// And the plain-request parser against Beast's: whatever it takes, Beast
// takes too, to the same byte, as the same request.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "spoor/http/internal/wire.h"

namespace {

// ParsePlainRequest never takes what Beast's parser refuses, nor reads it
// otherwise.
void CheckPlainAgainstBeast(std::string_view wire) {
  constexpr size_t kHeaderLimit = 2048;
  spoor::http::Request plain;
  std::optional<spoor::http::internal::PlainRequest> took =
      spoor::http::internal::ParsePlainRequest(wire, kHeaderLimit, plain);
  if (!took) return;
  if (took->bytes > wire.size()) __builtin_trap();
  spoor::http::Request full;
  spoor::http::internal::RequestParser parser(full);
  parser.header_limit(kHeaderLimit);
  parser.body_limit(1ull << 40);
  parser.eager(true);
  boost::beast::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  if (ec || !parser.is_done() || used != took->bytes) __builtin_trap();
  if (plain.method != full.method || plain.target != full.target || plain.path != full.path ||
      plain.query != full.query || plain.body != full.body || plain.Headers() != full.Headers()) {
    __builtin_trap();
  }
  if (took->version != parser.version() || took->keep_alive != parser.keep_alive()) __builtin_trap();
  if (took->content_length != parser.content_length().value_or(0)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  CheckPlainAgainstBeast(wire);
  constexpr uint64_t kBodyLimit = 4096;
  spoor::http::Request request;
  spoor::http::internal::RequestParser parser(request);
  parser.header_limit(2048);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  std::string pending;
  boost::beast::error_code ec;
  for (size_t at = 0; at < wire.size() && !parser.is_done() && !ec;) {
    pending.append(wire.substr(at, step));
    at += step;
    while (!pending.empty() && !parser.is_done()) {
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      if (used > pending.size()) __builtin_trap();
      pending.erase(0, used);
      if (ec == boost::beast::http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) break;
    }
  }
  if (request.body.size() > kBodyLimit) __builtin_trap();
  if (parser.is_done()) {
    if (request.method.empty()) __builtin_trap();
    if (request.path.size() > request.target.size()) __builtin_trap();
    std::string head = spoor::http::internal::ResponseHead(spoor::http::Response{}, 11, true);
    if (head.find("\r\n\r\n") != head.size() - 4) __builtin_trap();
  }
  return 0;
}
