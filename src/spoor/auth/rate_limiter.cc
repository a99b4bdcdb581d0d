#include "spoor/auth/rate_limiter.h"

#include "spoor/common/strings.h"

namespace spoor::auth {

int64_t RateLimiter::RetryAfter(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = windows_.find(ToAbsl(key));
  if (it == windows_.end() || it->second.failures < options_.max_failures) return 0;
  int64_t end_us = it->second.start_us + options_.window_s * 1000000;
  int64_t left_us = end_us - clock_.NowMicros();
  return left_us <= 0 ? 0 : (left_us + 999999) / 1000000;
}

void RateLimiter::RecordFailure(std::string_view key) {
  absl::MutexLock lock(&mu_);
  int64_t now = clock_.NowMicros();
  auto it = windows_.find(ToAbsl(key));
  if (it == windows_.end()) {
    if (windows_.size() >= options_.max_keys) PurgeExpired(now);
    // Still full: the key goes untracked rather than evicting a limited one.
    if (windows_.size() >= options_.max_keys) return;
    it = windows_.emplace(std::string(key), Window{now, 0}).first;
  }
  Window& w = it->second;
  if (now - w.start_us >= options_.window_s * 1000000) w = Window{now, 0};
  ++w.failures;
}

void RateLimiter::Reset(std::string_view key) {
  absl::MutexLock lock(&mu_);
  windows_.erase(ToAbsl(key));
}

void RateLimiter::PurgeExpired(int64_t now_us) {
  int64_t window_us = options_.window_s * 1000000;
  absl::erase_if(windows_,
                 [&](const auto& kv) { return now_us - kv.second.start_us >= window_us; });
}

}  // namespace spoor::auth
