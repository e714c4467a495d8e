#include "detail/transport/timer_wake.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/timerfd.h>
#include <unistd.h>
#endif

namespace buildable::detail {

TimerWake::TimerWake() {
  waitfd_.fd = CURL_SOCKET_BAD;
  waitfd_.events = CURL_WAIT_POLLIN;
#if defined(__linux__)
  // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux.
  waitfd_.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
#endif
}

TimerWake::~TimerWake() {
#if defined(__linux__)
  if (waitfd_.fd >= 0) close(waitfd_.fd);
#endif
}

long TimerWake::wait_ms(Clock::time_point due, Clock::time_point now) {
  if (due <= now) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(due - now).count();
  return static_cast<long>(ms);
}

curl_waitfd* TimerWake::arm(Clock::time_point due) {
#if defined(__linux__)
  if (waitfd_.fd < 0) return nullptr;
  if (armed_ != due) {
    const auto since_epoch = std::chrono::nanoseconds(due.time_since_epoch()).count();
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(since_epoch / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(since_epoch % 1'000'000'000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
    // Setting the time also clears an expiry not consumed yet.
    if (timerfd_settime(waitfd_.fd, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) return nullptr;
    armed_ = due;
  }
  waitfd_.revents = 0;
  return &waitfd_;
#else
  (void)due;
  return nullptr;
#endif
}

void TimerWake::consume() {
#if defined(__linux__)
  if (waitfd_.fd < 0 || (waitfd_.revents & CURL_WAIT_POLLIN) == 0) return;
  std::uint64_t expiries = 0;
  if (read(waitfd_.fd, &expiries, sizeof expiries) > 0) armed_.reset();
#endif
}

}  // namespace buildable::detail
