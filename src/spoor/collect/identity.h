// The receiver's view of identities: which contact a device id belongs to,
// and fresh contact ids. Both live in memory, fed from the store at start
// and kept current by the receiver itself (every device it mints travels
// with its event to the store, so a restart rebuilds the same map).
//
// Thread-safety: both classes are safe to share.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "spoor/common/ids.h"

namespace spoor::collect {

class IdentityCache {
 public:
  struct Entry {
    int64_t workspace_id = 0;
    uint64_t contact_id = 0;
  };
  // The contact of `device_id` in `workspace_id`, if known.
  std::optional<uint64_t> Find(std::string_view device_id, int64_t workspace_id) const;
  // A contact id of 0 forgets the device (its contact was deleted).
  void Put(std::string_view device_id, int64_t workspace_id, uint64_t contact_id);
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> map ABSL_GUARDED_BY(mu);
  };
  const Shard& ShardOf(std::string_view device_id) const;
  Shard& ShardOf(std::string_view device_id);
  std::array<Shard, kShards> shards_;
};

// Hands out contact ids: a keyed permutation of a durable counter, reserved
// from the store in blocks.
class ContactIdAllocator {
 public:
  // `reserve(n)` durably reserves n counter values and returns the first.
  using ReserveFn = std::function<absl::StatusOr<uint64_t>(uint64_t count)>;
  ContactIdAllocator(std::array<uint8_t, 32> key, ReserveFn reserve, uint64_t block = 4096)
      : permutation_(key), reserve_(std::move(reserve)), block_(block) {}
  // Errors: whatever the reservation returned (Unavailable on a store error).
  absl::StatusOr<uint64_t> Next();

 private:
  ContactIdPermutation permutation_;
  ReserveFn reserve_;
  const uint64_t block_;
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t end_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace spoor::collect
