// libFuzzer target for spoor::collect::DecodeTrackingPayload, the decoder of
// the tracking pixel's `d` parameter (base64 of PHP serialize()).
//
// Each input is tried as the base64 text itself, and also, re-encoded, as
// the serialized text, so that the fuzzer reaches the unserializer directly
// instead of only through base64. Checks the documented bounds on success.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spoor/collect/php_serialize.h"

namespace {

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

void Check(std::string_view text,
           const spoor::collect::PhpDecodeLimits& limits) {
  auto result = spoor::collect::DecodeTrackingPayload(text, limits);
  if (!result.ok()) return;
  if (result->size() > limits.max_elements) std::abort();
  size_t bytes = 0;
  for (const auto& [key, value] : *result) {
    if (value.size() > limits.max_string_bytes) std::abort();
    bytes += key.size() + value.size();
  }
  // Output is capped at 16 bytes per decoded byte (<= 3/4 of the text).
  if (bytes > text.size() * 16) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  spoor::collect::PhpDecodeLimits defaults;
  spoor::collect::PhpDecodeLimits tight;
  tight.max_input_bytes = 4096;
  tight.max_elements = 8;
  tight.max_depth = 2;
  tight.max_string_bytes = 16;

  Check(input, defaults);
  const std::string encoded = Base64(input);
  Check(encoded, defaults);
  Check(encoded, tight);
  return 0;
}
