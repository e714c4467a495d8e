// TimerWake, and the event loop using it: the wait for a timer never ends before it is due.

#include "detail/transport/timer_wake.hpp"

#include <gtest/gtest.h>

#include <buildable/client_options.hpp>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "detail/transport/event_loop.hpp"
#include "detail/transport/transport_config.hpp"

#if defined(__linux__)
#include <poll.h>
#endif

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
  const bool fired = readable(fd, 0);
  if (Clock::now() < due) {
    EXPECT_FALSE(fired) << "fired before it was due";
  }
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

TEST(TimerWakeTest, EventLoopTimersBetweenWholeMillisecondsNeverRunEarly) {
  buildable::ClientOptions options;
  options.secret = "timer-wake-test";
  buildable::detail::EventLoop loop(buildable::detail::TransportConfig::from_options(options));
  ASSERT_TRUE(loop.start());
  constexpr int kTimers = 20;
  std::mutex mutex;
  std::condition_variable ran;
  std::vector<Clock::duration> early;  // how long before its time each timer ran, if it did
  int done = 0;
  for (int i = 0; i < kTimers; ++i) {
    const auto due = Clock::now() + std::chrono::milliseconds(1 + i % 3) + 300us;
    std::unique_lock lock(mutex);
    ASSERT_TRUE(loop.post_at(due, [&, due] {
      const auto now = Clock::now();
      std::lock_guard inner(mutex);
      if (now < due) early.push_back(due - now);
      ++done;
      ran.notify_all();
    }));
    ASSERT_TRUE(ran.wait_for(lock, 10s, [&] { return done == i + 1; }));
  }
  loop.stop();
  EXPECT_TRUE(early.empty()) << early.size() << " timers ran before their time";
}

}  // namespace
