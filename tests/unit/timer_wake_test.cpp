// TimerWake: the event loop's wait for its first timer never ends before the timer is due.

#include "detail/transport/timer_wake.hpp"

#include <gtest/gtest.h>
#include <poll.h>

namespace {

using buildable::detail::TimerWake;
using namespace std::chrono_literals;
using Clock = TimerWake::Clock;

TEST(TimerWakeTest, WaitIsRoundedUpToWholeMilliseconds) {
  const auto now = Clock::now();
  EXPECT_EQ(TimerWake::wait_ms(now + 1500us, now), 2);
  EXPECT_EQ(TimerWake::wait_ms(now + 1ms, now), 1);
  EXPECT_EQ(TimerWake::wait_ms(now + 1ns, now), 1);
  EXPECT_EQ(TimerWake::wait_ms(now, now), 0);
  EXPECT_EQ(TimerWake::wait_ms(now - 5ms, now), 0);
}

#if defined(__linux__)
bool readable(curl_waitfd* fd, int timeout_ms) {
  pollfd p{fd->fd, POLLIN, 0};
  const int n = poll(&p, 1, timeout_ms);
  fd->revents = (n > 0 && (p.revents & POLLIN) != 0) ? CURL_WAIT_POLLIN : 0;
  return fd->revents != 0;
}

TEST(TimerWakeTest, TheDescriptorFiresAtTheTimeNeverBefore) {
  TimerWake wake;
  const auto due = Clock::now() + 30ms + 500us;
  curl_waitfd* fd = wake.arm(due);
  ASSERT_NE(fd, nullptr);
  EXPECT_FALSE(readable(fd, 0)) << "fired before it was due";
  ASSERT_TRUE(readable(fd, 10'000));
  EXPECT_GE(Clock::now(), due);
  wake.consume();
  EXPECT_FALSE(readable(fd, 0)) << "consume() must clear the expiry";
}

TEST(TimerWakeTest, ArmingForAnotherTimeReplacesTheEarlierOne) {
  TimerWake wake;
  const auto now = Clock::now();
  curl_waitfd* fd = wake.arm(now + 1ms);
  ASSERT_NE(fd, nullptr);
  ASSERT_TRUE(readable(fd, 10'000));  // fired, not consumed
  const auto later = Clock::now() + 10min;
  fd = wake.arm(later);
  EXPECT_FALSE(readable(fd, 0)) << "re-arming must drop the expiry not consumed";
}
#endif

}  // namespace
