#pragma once

#include <chrono>
#include <memory>

namespace buildable::detail {

/// Where the listening engine and the retry policies read the time. Injectable so that unit
/// tests move time by hand instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time, for timers, backoff and deadlines.
  virtual std::chrono::steady_clock::time_point now() const = 0;
  /// Calendar time, for HTTP dates such as `Retry-After: Sun, 06 Nov 1994 08:49:37 GMT`.
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

/// The real clocks of the machine.
std::shared_ptr<const Clock> system_clock_source();

}  // namespace buildable::detail
