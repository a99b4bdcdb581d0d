// Counts failures (sign-in attempts) per key ("ip:1.2.3.4", "email:a@b")
// in a fixed window: once a key has `max_failures` within `window_s`
// seconds of its first failure, it is limited until that window ends.
// In memory, bounded to `max_keys` keys.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "spoor/common/clock.h"

namespace spoor::auth {

struct RateLimitOptions {
  int max_failures = 5;
  int64_t window_s = 15 * 60;
  size_t max_keys = 100000;
};

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, RateLimitOptions options) : clock_(clock), options_(options) {}

  // Seconds until `key` may try again; 0 when it may now.
  int64_t RetryAfter(std::string_view key) const;
  void RecordFailure(std::string_view key);
  // Forgets the key's failures (after a success).
  void Reset(std::string_view key);

 private:
  struct Window {
    int64_t start_us = 0;
    int failures = 0;
  };
  // Drops windows that have ended.
  void PurgeExpired(int64_t now_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const RateLimitOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spoor::auth
