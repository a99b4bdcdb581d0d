// Identifier generation: device ids, event ids and contact ids.
//
// Device ids are bearer secrets (whoever holds one is that visitor), so they
// carry 129 random bits. Event ids are time-ordered (UUIDv7) so that the
// store appends them. Contact ids are positive integers that look random and
// are not sequential, yet are unique by construction: a keyed permutation of
// a durable counter. All functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace spoor {

// 25 characters of [0-9a-z] from a CSPRNG (log2(36^25) ≈ 129 bits).
std::string NewDeviceId();
// True for strings NewDeviceId could have produced, and for Mautic's 23-char
// [0-9a-z] tracking ids.
bool IsWellFormedDeviceId(std::string_view id);

// A UUIDv7 in canonical text form, from `micros` since the epoch.
std::string NewEventId(int64_t micros);
// True for a client-supplied event id we accept: 1 to 64 characters of
// [A-Za-z0-9._:-].
bool IsAcceptableClientEventId(std::string_view id);
// True for a canonical 8-4-4-4-12 hex UUID.
bool IsUuid(std::string_view s);
std::string NewUuidV4();

// Largest contact id: below 2^53 so JavaScript numbers hold it exactly.
inline constexpr uint64_t kMaxContactId = (uint64_t{1} << 52);

// Maps counter values 0..2^52-1 one-to-one onto 1..2^52 with a 4-round
// Feistel network keyed by a secret, so ids neither reveal the count nor let
// anyone reach a neighbour by adding 1.
class ContactIdPermutation {
 public:
  explicit ContactIdPermutation(std::array<uint8_t, 32> key) : key_(key) {}
  uint64_t Apply(uint64_t counter) const;
  uint64_t Invert(uint64_t id) const;

 private:
  uint32_t Round(uint32_t half, int round) const;
  std::array<uint8_t, 32> key_;
};

// Fills `out` with random bytes from the CSPRNG.
void RandomBytes(void* out, size_t len);
std::string RandomHex(size_t bytes);

}  // namespace spoor
