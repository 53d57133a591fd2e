// Clock: where "now" comes from. Production code takes a Clock& so tests can inject ManualClock
// instead of sleeping. Thread-safety: all implementations are safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace loupe {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in nanoseconds since the Unix epoch.
  virtual int64_t NowNanos() const = 0;
  // A monotonic reading in nanoseconds (arbitrary origin), for durations and deadlines.
  virtual int64_t MonotonicNanos() const = 0;

  int64_t NowMillis() const { return NowNanos() / 1'000'000; }

  // The process-wide real clock.
  static Clock& Real();
};

class SystemClock final : public Clock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to. Both readings advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_nanos = 0) : now_(now_nanos) {}
  int64_t NowNanos() const override { return now_.load(std::memory_order_relaxed); }
  int64_t MonotonicNanos() const override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t nanos) { now_.store(nanos, std::memory_order_relaxed); }
  void Advance(int64_t nanos) { now_.fetch_add(nanos, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

inline Clock& Clock::Real() {
  static SystemClock clock;
  return clock;
}

}  // namespace loupe
