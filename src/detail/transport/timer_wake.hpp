#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

namespace buildable::detail {

/// Wakes the event loop's curl_multi_poll() at a timer's exact time. That call waits whole
/// milliseconds, so rounding up alone makes every timer up to 1 ms late (0.5 ms on average),
/// which a listener at a short poll_interval would feel as added latency. On Linux a timerfd,
/// passed to curl_multi_poll() as an extra descriptor, fires at the time itself; elsewhere
/// wait_ms() alone bounds the wait (rounded up, never early).
class TimerWake {
 public:
  using Clock = std::chrono::steady_clock;

  TimerWake();
  ~TimerWake();
  TimerWake(const TimerWake&) = delete;
  TimerWake& operator=(const TimerWake&) = delete;

  /// Milliseconds to wait for `due`, rounded up so that the wait never ends before it.
  static long wait_ms(Clock::time_point due, Clock::time_point now);

  /// The descriptor to wait on, armed for `due` (re-armed only when `due` changed), or
  /// nullptr when the platform has none.
  curl_waitfd* arm(Clock::time_point due);
  /// After a wait that passed arm()'s descriptor: consumes its expiry, if it fired.
  void consume();

 private:
  curl_waitfd waitfd_{};
  std::optional<Clock::time_point> armed_;  // when the descriptor fires (not yet consumed)
};

}  // namespace buildable::detail
