// Fuzzes query-string / form parsing and UTF-8 repair: no crash, and every
// parsed key and value is valid UTF-8 without NUL bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "spoor/common/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto params = spoor::ParseQuery(in, {});
  if (params.ok()) {
    for (const auto& [k, v] : *params) {
      if (!spoor::IsValidUtf8(k) || !spoor::IsValidUtf8(v)) __builtin_trap();
      if (k.find('\0') != std::string::npos || v.find('\0') != std::string::npos) {
        __builtin_trap();
      }
    }
  }
  std::string repaired = spoor::RepairUtf8(in);
  if (!spoor::IsValidUtf8(repaired)) __builtin_trap();
  return 0;
}
