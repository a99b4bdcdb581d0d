// CRC-32C (Castagnoli), as iSCSI, ext4 and most storage formats use it.
#pragma once

#include <cstdint>
#include <string_view>

namespace spoor {

// Extends `crc` (0 to start) over `data`. Crc32c(Crc32c(0, a), b) equals the
// checksum of a followed by b. Uses the CPU's crc32 instruction when it has
// one (SSE4.2), a table otherwise: the same results either way.
uint32_t Crc32c(uint32_t crc, std::string_view data);

namespace internal {
uint32_t Crc32cPortable(uint32_t crc, std::string_view data);
}  // namespace internal

}  // namespace spoor
