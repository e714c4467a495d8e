// When an idle listener polls: poll_interval is the period from one poll's start to the next,
// to the microsecond, and a slow poll is followed by half a period of rest. Time is a
// ManualClock; each query's answer is held for as long as the scenario says.

#include "core_fixture.hpp"

namespace core_test {
namespace {

class PollScheduleTest : public CoreTest {
 protected:
  /// Starts a listener (poll_interval 1 s, no jitter) whose first query is answered `after`
  /// it was sent; later ones are answered at once by the fake service.
  std::unique_ptr<buildable::Client> listen_with_first_query_answered_after(
      std::chrono::milliseconds after) {
    service_.serve(*transport_);
    transport_->on("/query", nullptr);
    auto client = make(options());
    subscription_ = client->on("ev", [](const buildable::Message&) {});
    EXPECT_TRUE(transport_->wait_held("/query", 1));
    transport_->advance(after);
    const Request query = transport_->held("/query").front();
    transport_->on("/query", [this](const Request& r) { return service_.query(r); });
    transport_->answer(query.id, *service_.query(query));
    transport_->settle();
    return client;
  }
  /// The next poll is sent exactly `wait` from now: not 1 µs before.
  void expect_next_poll_after(std::chrono::microseconds wait, const char* why) {
    const auto before = polls();
    transport_->advance(wait - 1us);
    EXPECT_EQ(polls(), before) << "polled early: " << why;
    transport_->advance(1us);
    EXPECT_EQ(polls(), before + 1) << why;
  }
  std::size_t polls() const { return transport_->sent("/query").size(); }

  buildable::Subscription subscription_;
};

TEST_F(PollScheduleTest, AnIdleListenerPollsOncePerIntervalStartToStart) {
  auto client = listen_with_first_query_answered_after(300ms);
  expect_next_poll_after(700ms, "the 300 ms the poll took must not stretch the period");
  expect_next_poll_after(1000ms, "one interval after the previous poll's start");
}

TEST_F(PollScheduleTest, APollSlowerThanHalfTheIntervalIsFollowedByHalfAnIntervalOfRest) {
  auto client = listen_with_first_query_answered_after(800ms);
  expect_next_poll_after(500ms, "a slow service must get half an interval of rest");
}

TEST_F(PollScheduleTest, APollLongerThanAWholeIntervalIsFollowedByHalfAnIntervalOfRest) {
  auto client = listen_with_first_query_answered_after(1500ms);
  expect_next_poll_after(500ms, "no catching up on the period the slow poll overran");
}

TEST_F(PollScheduleTest, ALateWakeUpDoesNotLengthenTheNextPeriod) {
  auto client = listen_with_first_query_answered_after(0ms);
  transport_->advance(1000ms + 300us);  // the second poll's timer runs 0.3 ms after its time
  ASSERT_EQ(polls(), 2u);
  expect_next_poll_after(999ms + 700us, "due two periods after the first poll, not later");
}

TEST_F(PollScheduleTest, JitterIsAppliedToTheMicrosecond) {
  auto o = options();
  o.poll_jitter = 0.0012;
  // The jitter source's top (1.0) lengthens the period by 1.2 ms, its bottom shortens it.
  for (const auto& [draw, period] : {std::pair{1.0, 1001200us}, std::pair{0.0, 998800us}}) {
    SCOPED_TRACE(draw);
    transport_ = std::make_shared<ScriptedTransport>(clock_);
    service_.serve(*transport_);
    auto client = make(o, draw);
    auto sub = client->on("ev", [](const buildable::Message&) {});
    ASSERT_TRUE(transport_->wait_sent("/query", 1));
    transport_->settle();
    expect_next_poll_after(period, "the jittered period, to the microsecond");
    client->close();
  }
}

}  // namespace
}  // namespace core_test
