// Handles and handlers: moved-from ScopedSubscription, move-only handlers, status of handles
// not made by on(), and the report queue's bounds.

#include <memory>
#include <stdexcept>
#include <string_view>

#include "core_fixture.hpp"
#include "detail/listen/report_queue.hpp"

namespace core_test {
namespace {

using Kind = buildable::ListenerError::Kind;

TEST_F(CoreTest, AMovedFromScopedSubscriptionIsEmptyAndRemovesNothing) {
  service_.serve(*transport_);
  auto client = make(options());
  buildable::ScopedSubscription first(*client, client->on("ev", [](const buildable::Message&) {}));
  buildable::ScopedSubscription second(std::move(first));
  EXPECT_FALSE(first.get());  // NOLINT(bugprone-use-after-move): the documented state
  EXPECT_TRUE(second.get());
  first.reset();
  EXPECT_EQ(client->subscriptions().size(), 1u) << "the moved-from handle removed the listener";
  second.reset();
  EXPECT_TRUE(client->subscriptions().empty());
}

TEST_F(CoreTest, AMoveOnlyHandlerIsAccepted) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  Gate handled;
  auto client = make(options());
  auto owned = std::make_unique<int>(41);
  client->on("ev", [owned = std::move(owned), &handled](const buildable::Message&) {
    handled.open();
    return *owned + 1;
  });
  ASSERT_TRUE(handled.wait());
  client->close();
  EXPECT_EQ(service_.count_in_state("finished"), 1u);
}

TEST_F(CoreTest, TheLoggerMayCallClientMembers) {
  service_.add("ev", 1);
  service_.serve(*transport_);
  auto o = options();
  o.on_error = nullptr;  // listener errors become log lines
  buildable::Client* client = nullptr;
  Gate registered, logged;
  o.logger = [&](buildable::LogLevel, std::string_view) {
    client->off_all();
    (void)client->metrics();
    client->close();
    logged.open();
  };
  auto owned = make(o);
  client = owned.get();
  client->on("ev", [&](const buildable::Message&) -> nlohmann::json {
    registered.wait();
    throw std::runtime_error("boom");
  });
  registered.open();
  ASSERT_TRUE(logged.wait(10s)) << "a logger calling off_all() and close() deadlocked";
  EXPECT_THROW(client->on("x", [](const buildable::Message&) {}), buildable::ClosedError);
}

TEST_F(CoreTest, HandlesNotMadeByOnReportRemoved) {
  EXPECT_EQ(buildable::Subscription().status().state, buildable::ListenerStatus::State::removed);
  const buildable::Subscription hand_made(1, "", "", "ev", "default");
  EXPECT_EQ(hand_made.status().state, buildable::ListenerStatus::State::removed);
}

buildable::ListenerError error_of(Kind kind, std::string listener, std::string key = {}) {
  return {kind, std::move(listener), std::move(key), "why"};
}

TEST(ReportQueue, MergesMergeableKindsPerListenerWhileOneWaits) {
  buildable::detail::ReportQueue queue(100);
  using Outcome = buildable::detail::ReportQueue::Outcome;
  EXPECT_EQ(queue.push(error_of(Kind::poll, "a")), Outcome::queued);
  EXPECT_EQ(queue.push(error_of(Kind::poll, "a")), Outcome::coalesced);
  EXPECT_EQ(queue.push(error_of(Kind::poll, "b")), Outcome::queued);
  EXPECT_EQ(queue.push(error_of(Kind::abandoned, "a", "k1")), Outcome::queued);
  EXPECT_EQ(queue.push(error_of(Kind::abandoned, "a", "k2")), Outcome::queued);
  const auto first = queue.pop();
  EXPECT_EQ(first.coalesced, 1u);
  EXPECT_EQ(first.message, "why (and 1 more like this)");
  EXPECT_EQ(queue.push(error_of(Kind::poll, "a")), Outcome::queued) << "the merged one is gone";
  EXPECT_EQ(queue.size(), 4u);
}

TEST(ReportQueue, KeepsKeyedReportsApartUntilFullThenMergesOrDrops) {
  buildable::detail::ReportQueue queue(2);
  using Outcome = buildable::detail::ReportQueue::Outcome;
  EXPECT_EQ(queue.push(error_of(Kind::abandoned, "a", "k1")), Outcome::queued);
  EXPECT_EQ(queue.push(error_of(Kind::record, "a", "k2")), Outcome::queued);
  EXPECT_EQ(queue.push(error_of(Kind::abandoned, "a", "k3")), Outcome::coalesced);
  EXPECT_EQ(queue.push(error_of(Kind::claim_ambiguous, "a", "k4")), Outcome::dropped);
  EXPECT_EQ(queue.pop().message_key, "k1");
  EXPECT_EQ(queue.pop().message_key, "k2");
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace core_test
