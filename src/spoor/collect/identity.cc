#include "spoor/collect/identity.h"

#include "spoor/common/status.h"
#include "spoor/common/strings.h"

namespace spoor::collect {

const IdentityCache::Shard& IdentityCache::ShardOf(std::string_view device_id) const {
  return shards_[std::hash<std::string_view>{}(device_id) % kShards];
}
IdentityCache::Shard& IdentityCache::ShardOf(std::string_view device_id) {
  return shards_[std::hash<std::string_view>{}(device_id) % kShards];
}

std::optional<uint64_t> IdentityCache::Find(std::string_view device_id,
                                            int64_t workspace_id) const {
  const Shard& shard = ShardOf(device_id);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.map.find(ToAbsl(device_id));
  if (it == shard.map.end() || it->second.workspace_id != workspace_id) return std::nullopt;
  return it->second.contact_id;
}

void IdentityCache::Put(std::string_view device_id, int64_t workspace_id, uint64_t contact_id) {
  Shard& shard = ShardOf(device_id);
  absl::MutexLock lock(&shard.mu);
  if (contact_id == 0) {  // the contact was deleted: the device is forgotten
    shard.map.erase(ToAbsl(device_id));
    return;
  }
  shard.map[ToAbsl(device_id)] = Entry{workspace_id, contact_id};
}

size_t IdentityCache::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.map.size();
  }
  return n;
}

absl::StatusOr<uint64_t> ContactIdAllocator::Next() {
  absl::MutexLock lock(&mu_);
  if (next_ == end_) {
    SPOOR_ASSIGN_OR_RETURN(uint64_t start, reserve_(block_));
    next_ = start;
    end_ = start + block_;
  }
  return permutation_.Apply(next_++);
}

}  // namespace spoor::collect
