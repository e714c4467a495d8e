// When an idle listener polls: poll_interval is the period from one poll's start to the next,
// to the microsecond, and a slow poll is followed by half a period of rest. Time is a
// ManualClock; each query's answer is held for as long as the scenario says.

#include "core_fixture.hpp"

namespace core_test {
namespace {

class PollScheduleTest : public CoreTest {
 protected:
  /// Answers the first query, held until now, `after` it was sent; later ones are answered at
  /// once by the fake service.
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

TEST_F(PollScheduleTest, APollLongerThanAWholeIntervalIsFollowedByHalfAnIntervalOfRest) {
  service_.serve(*transport_);
  transport_->on("/query", nullptr);
  auto client = make(options());
  auto sub = client->on("ev", [](const buildable::Message&) {});
  answer_first_query_after(1500ms);
  transport_->advance(499ms);
  EXPECT_EQ(polls(), 1u) << "no catching up on the period the slow poll overran";
  transport_->advance(1ms);
  EXPECT_EQ(polls(), 2u);
}

TEST_F(PollScheduleTest, ALateWakeUpDoesNotLengthenTheNextPeriod) {
  service_.serve(*transport_);
  auto client = make(options());
  auto sub = client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(transport_->wait_sent("/query", 1));
  transport_->settle();
  transport_->advance(1000ms + 300us);  // the second poll's timer runs 0.3 ms after its time
  ASSERT_EQ(polls(), 2u);
  transport_->advance(999ms + 699us);
  EXPECT_EQ(polls(), 2u);
  transport_->advance(1us);
  EXPECT_EQ(polls(), 3u) << "the third poll is due two periods after the first, not later";
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
    transport_->advance(period - 1us);
    EXPECT_EQ(polls(), 1u);
    transport_->advance(1us);
    EXPECT_EQ(polls(), 2u);
    client->close();
  }
}

}  // namespace
}  // namespace core_test
