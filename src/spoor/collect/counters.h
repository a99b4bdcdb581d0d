// Named counters by reason (collect_skipped_total{reason="bot"}, ...):
// every "continue anyway" path bumps one. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace spoor::collect {

class Counters {
 public:
  void Add(std::string_view name, std::string_view reason, int64_t n = 1) {
    absl::MutexLock lock(&mu_);
    values_[{std::string(name), std::string(reason)}] += n;
  }
  int64_t Get(std::string_view name, std::string_view reason) const {
    absl::MutexLock lock(&mu_);
    auto it = values_.find({std::string(name), std::string(reason)});
    return it == values_.end() ? 0 : it->second;
  }
  std::map<std::pair<std::string, std::string>, int64_t> Snapshot() const {
    absl::MutexLock lock(&mu_);
    return values_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> values_ ABSL_GUARDED_BY(mu_);
};

}  // namespace spoor::collect
