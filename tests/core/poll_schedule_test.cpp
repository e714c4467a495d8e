// When an idle listener polls: poll_interval is the period from one poll's start to the next,
// to the microsecond, and a slow poll is followed by half a period of rest. Time is a
// ManualClock; each query's answer is held for as long as the scenario says.

#include "core_fixture.hpp"

namespace core_test {
namespace {

class PollScheduleTest : public CoreTest {
 protected:
  /// Serves every query from the fake service, `after` it was sent.
  void answer_first_query_after(std::chrono::milliseconds after) {
    ASSERT_TRUE(transport_->wait_held("/query", 1));
    transport_->advance(after);
    const Request query = transport_->held("/query").front();
    transport_->on("/query", [this](const Request& r) { return service_.query(r); });
    transport_->answer(query.id, *service_.query(query));
    transport_->settle();
  }
  std::size_t polls() const { return transport_->sent("/query").size(); }
};

TEST_F(PollScheduleTest, AnIdleListenerPollsOncePerIntervalStartToStart) {
  service_.serve(*transport_);
  transport_->on("/query", nullptr);
  auto client = make(options());  // poll_interval 1 s, no jitter
  auto sub = client->on("ev", [](const buildable::Message&) {});
  answer_first_query_after(300ms);
  transport_->advance(699ms);
  EXPECT_EQ(polls(), 1u) << "polled again before one interval from the first poll's start";
  transport_->advance(1ms);
  EXPECT_EQ(polls(), 2u) << "the 300 ms the poll took must not stretch the period";
  transport_->advance(999ms);
  EXPECT_EQ(polls(), 2u);
  transport_->advance(1ms);
  EXPECT_EQ(polls(), 3u);
}

TEST_F(PollScheduleTest, APollSlowerThanHalfTheIntervalIsFollowedByHalfAnIntervalOfRest) {
  service_.serve(*transport_);
  transport_->on("/query", nullptr);
  auto client = make(options());
  auto sub = client->on("ev", [](const buildable::Message&) {});
  answer_first_query_after(800ms);
  transport_->advance(499ms);
  EXPECT_EQ(polls(), 1u) << "a slow service must get half an interval of rest";
  transport_->advance(1ms);
  EXPECT_EQ(polls(), 2u);
}

TEST_F(PollScheduleTest, JitterIsAppliedToTheMicrosecondNotTruncatedToMilliseconds) {
  service_.serve(*transport_);
  auto o = options();
  o.poll_jitter = 0.0015;
  // The jitter source's top (1.0) lengthens the period by 1.5 ms, its bottom shortens it.
  for (const auto& [draw, last_quiet, first_poll] :
       {std::tuple{1.0, 1001ms, 1002ms}, std::tuple{0.0, 998ms, 999ms}}) {
    SCOPED_TRACE(draw);
    transport_ = std::make_shared<ScriptedTransport>(clock_);
    service_.serve(*transport_);
    auto client = make(o, draw);
    auto sub = client->on("ev", [](const buildable::Message&) {});
    ASSERT_TRUE(transport_->wait_sent("/query", 1));
    transport_->settle();
    transport_->advance(last_quiet);
    EXPECT_EQ(polls(), 1u);
    transport_->advance(first_poll - last_quiet);
    EXPECT_EQ(polls(), 2u);
    client->close();
  }
}

}  // namespace
}  // namespace core_test
