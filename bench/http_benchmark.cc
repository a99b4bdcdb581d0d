// The HTTP edge's own share of a pixel hit, without sockets: parsing a
// browser's request head as bench/pixel.lua sends it (with Beast's parser,
// and with the plain-request parser), and writing the answer's head.
//
//   build/bench/http_benchmark --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <string>

#include <boost/beast/core/flat_buffer.hpp>

#include "spoor/http/http.h"
#include "spoor/http/internal/wire.h"

namespace {

using spoor::http::Request;
using spoor::http::Response;
using spoor::http::internal::RequestParser;

// A request as wrk sends it in bench/run: ~320 bytes of query, a browser's
// headers and the device cookie.
std::string PixelRequest() {
  return "GET /mtracking.gif?page_url=https%3A%2F%2Fwww.example.com%2Fblog%2F2024%2Fpost-1234"
         "&page_title=Pricing%20plans%20for%20small%20teams%20and%20agencies"
         "&page_language=en-US&page_referrer=https%3A%2F%2Fwww.example.com%2F"
         "&resolution=1920x1080&utm_source=newsletter&utm_medium=email"
         "&utm_campaign=spring_sale_2024&eid=b1234-1-1234 HTTP/1.1\r\n"
         "Host: 127.0.0.1:8080\r\n"
         "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
         "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8\r\n"
         "Accept-Language: en-US,en;q=0.9\r\n"
         "Accept-Encoding: gzip, deflate, br\r\n"
         "Referer: https://www.example.com/blog/\r\n"
         "Sec-Fetch-Dest: image\r\n"
         "Sec-Fetch-Mode: no-cors\r\n"
         "Sec-Fetch-Site: cross-site\r\n"
         "Cookie: mautic_device_id=0123456789abcdef0123456789abcdef\r\n"
         "\r\n";
}

// One connection's request after another: the Request keeps its buffers.
void BM_ParsePixelRequest(benchmark::State& state) {
  const std::string wire = PixelRequest();
  Request request;
  for (auto _ : state) {
    request.Clear();
    RequestParser parser(request);
    parser.header_limit(16 * 1024);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(wire), ec);
    if (ec || !parser.is_done()) state.SkipWithError("did not parse");
    benchmark::DoNotOptimize(request.Header("cookie").size());
  }
}
BENCHMARK(BM_ParsePixelRequest);

// The same request, taken by the plain-request parser the server tries
// first.
void BM_ParsePlainPixelRequest(benchmark::State& state) {
  const std::string wire = PixelRequest();
  Request request;
  for (auto _ : state) {
    request.Clear();
    auto took = spoor::http::internal::ParsePlainRequest(wire, 16 * 1024, request);
    if (!took || took->bytes != wire.size()) state.SkipWithError("did not parse");
    benchmark::DoNotOptimize(request.Header("cookie").size());
  }
}
BENCHMARK(BM_ParsePlainPixelRequest);

void BM_PixelResponseHead(benchmark::State& state) {
  Response res;
  res.Set("Set-Cookie", "mautic_device_id=0123456789abcdef0123456789abcdef; Max-Age=31536000; "
                        "Path=/; SameSite=Lax");
  res.Set("Set-Cookie", "mtc_id=1234567890123; Path=/; SameSite=Lax");
  res.Set("Content-Type", "image/gif");
  res.Set("Cache-Control", "private, no-cache, no-cache=Set-Cookie, proxy-revalidate");
  res.body.assign(43, 'g');
  std::string head;
  for (auto _ : state) {
    head.clear();
    spoor::http::internal::AppendResponseHead(head, res, 11, true);
    benchmark::DoNotOptimize(head.data());
  }
}
BENCHMARK(BM_PixelResponseHead);

}  // namespace
