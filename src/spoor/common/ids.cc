#include "spoor/common/ids.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "spoor/common/status.h"

namespace spoor {
namespace {

constexpr char kBase36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr int kDeviceIdLength = 25;
constexpr int kHalfBits = 26;
constexpr uint32_t kHalfMask = (1u << kHalfBits) - 1;

struct SodiumInit {
  SodiumInit() { SPOOR_CHECK(sodium_init() >= 0); }
};

void EnsureSodium() { static SodiumInit init; }

}  // namespace

void RandomBytes(void* out, size_t len) {
  EnsureSodium();
  randombytes_buf(out, len);
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RandomBytes(raw.data(), bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string NewDeviceId() {
  // Rejection sampling keeps every character uniform: 252 = 7 * 36.
  std::string id;
  id.reserve(kDeviceIdLength);
  unsigned char buf[48];
  while (id.size() < kDeviceIdLength) {
    RandomBytes(buf, sizeof(buf));
    for (unsigned char b : buf) {
      if (b < 252 && id.size() < kDeviceIdLength) id.push_back(kBase36[b % 36]);
    }
  }
  return id;
}

bool IsWellFormedDeviceId(std::string_view id) {
  if (id.size() < 23 || id.size() > 32) return false;
  for (char c : id) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && !(c >= 'a' && c <= 'z')) {
      return false;
    }
  }
  return true;
}

std::string NewEventId(int64_t micros) {
  uint8_t b[16];
  RandomBytes(b, sizeof(b));
  uint64_t ms = static_cast<uint64_t>(micros / 1000);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0f));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

std::string NewUuidV4() {
  uint8_t b[16];
  RandomBytes(b, sizeof(b));
  b[6] = static_cast<uint8_t>(0x40 | (b[6] & 0x0f));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

bool IsAcceptableClientEventId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

uint32_t ContactIdPermutation::Round(uint32_t half, int round) const {
  uint8_t in[5] = {static_cast<uint8_t>(round), static_cast<uint8_t>(half >> 24),
                   static_cast<uint8_t>(half >> 16), static_cast<uint8_t>(half >> 8),
                   static_cast<uint8_t>(half)};
  uint8_t out[8];
  EnsureSodium();
  crypto_shorthash_siphash24(out, in, sizeof(in), key_.data());
  uint32_t v;
  std::memcpy(&v, out, sizeof(v));
  return v & kHalfMask;
}

uint64_t ContactIdPermutation::Apply(uint64_t counter) const {
  SPOOR_CHECK(counter < kMaxContactId);
  uint32_t left = static_cast<uint32_t>(counter >> kHalfBits) & kHalfMask;
  uint32_t right = static_cast<uint32_t>(counter) & kHalfMask;
  for (int r = 0; r < 4; ++r) {
    uint32_t next = left ^ Round(right, r);
    left = right;
    right = next;
  }
  return ((uint64_t{left} << kHalfBits) | right) + 1;
}

uint64_t ContactIdPermutation::Invert(uint64_t id) const {
  uint64_t v = id - 1;
  uint32_t left = static_cast<uint32_t>(v >> kHalfBits) & kHalfMask;
  uint32_t right = static_cast<uint32_t>(v) & kHalfMask;
  for (int r = 3; r >= 0; --r) {
    uint32_t prev = right ^ Round(left, r);
    right = left;
    left = prev;
  }
  return (uint64_t{left} << kHalfBits) | right;
}

}  // namespace spoor
