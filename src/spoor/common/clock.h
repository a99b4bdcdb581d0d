// Time source. Inject a Clock wherever time decides behaviour, so tests can
// use a FakeClock. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace spoor {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch.
  virtual int64_t NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_micros) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Advance(int64_t micros) { now_ += micros; }
  void Set(int64_t micros) { now_ = micros; }

 private:
  std::atomic<int64_t> now_;
};

// Formats microseconds since the epoch as RFC 3339 UTC with milliseconds.
std::string FormatTime(int64_t micros);

}  // namespace spoor
