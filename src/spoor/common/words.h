// Eight bytes at once: the masks with which a loop looks at a whole
// 64-bit word of text instead of its bytes one by one.
#pragma once

#include <cstdint>

namespace spoor::words {

// A byte repeated over a word (kOnes * c), and the top bit of each byte.
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// Whether any byte of `v` is zero: exact for the word as a whole, and for
// its lowest flagged byte (only bytes above a zero byte can be flagged
// falsely).
constexpr uint64_t HasZeroByte(uint64_t v) { return (v - kOnes) & ~v & kHighs; }

}  // namespace spoor::words
