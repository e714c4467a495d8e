#pragma once

#include <chrono>
#include <functional>

namespace buildable::detail {

/// Source of uniform random numbers in [0, 1). Injectable so tests are deterministic.
using JitterSource = std::function<double()>;

/// A thread-safe JitterSource backed by a per-thread generator seeded from the OS.
JitterSource default_jitter();

/// Exponential backoff with full jitter (the AWS "exponential backoff and jitter" variant):
/// the n-th wait is uniform in [0, min(cap, initial * multiplier^n)]. Full jitter spreads
/// retrying clients out best and keeps the total load lowest.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap, double multiplier,
          JitterSource jitter);

  /// The upper bound of the wait before retry number `retry` (0-based).
  std::chrono::milliseconds ceiling(int retry) const;
  /// A jittered wait before retry number `retry` (0-based).
  std::chrono::milliseconds delay(int retry) const;

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds cap_;
  double multiplier_;
  JitterSource jitter_;
};

}  // namespace buildable::detail
