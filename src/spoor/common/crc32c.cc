#include "spoor/common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace spoor {
namespace internal {
namespace {

// Byte-at-a-time table for the reflected polynomial 0x82F63B78.
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t r = i;
    for (int bit = 0; bit < 8; ++bit) r = (r >> 1) ^ ((r & 1u) ? 0x82F63B78u : 0u);
    table[i] = r;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kTable = MakeTable();

}  // namespace

uint32_t Crc32cPortable(uint32_t crc, std::string_view data) {
  uint32_t state = crc ^ 0xFFFFFFFFu;
  for (char c : data) state = (state >> 8) ^ kTable[(state ^ static_cast<unsigned char>(c)) & 0xFFu];
  return state ^ 0xFFFFFFFFu;
}

}  // namespace internal

namespace {

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, std::string_view data) {
  uint64_t state = crc ^ 0xFFFFFFFFu;
  const char* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    state = _mm_crc32_u64(state, word);
  }
  auto narrow = static_cast<uint32_t>(state);
  for (; n > 0; ++p, --n) narrow = _mm_crc32_u8(narrow, static_cast<unsigned char>(*p));
  return narrow ^ 0xFFFFFFFFu;
}

const bool kHasSse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t Crc32c(uint32_t crc, std::string_view data) {
#if defined(__x86_64__)
  if (kHasSse42) return Crc32cHardware(crc, data);
#endif
  return internal::Crc32cPortable(crc, data);
}

}  // namespace spoor
