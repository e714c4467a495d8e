// Scenarios 5-10 of the listening-core issue: close() with claims in flight, failing claims,
// fair room, report floods, oversized pages and permanent errors. Time is a ManualClock.

#include <algorithm>
#include <future>

#include "core_fixture.hpp"

namespace core_test {
namespace {

using Kind = buildable::ListenerError::Kind;

/// Advances the clock in steps, letting the I/O thread run what became due after each.
void advance(ScriptedTransport& transport, std::chrono::milliseconds total,
             std::chrono::milliseconds step = 50ms) {
  for (auto done = 0ms; done < total; done += step)
    transport.advance(step);
}

// Scenario 5: close() returned at once, with every claimed message left `processing`.
TEST_F(CoreTest, CloseHandlesMessagesWhoseClaimsAreAnsweredMeanwhile) {
  service_.add("ev", 5);
  service_.serve(*transport_);
  transport_->on("/init", nullptr);
  std::atomic<int> handled{0};
  auto client = make(options());
  client->on("ev", [&](const buildable::Message&) { ++handled; });
  ASSERT_TRUE(transport_->wait_held("/init", 5));
  auto closing = std::async(std::launch::async, [&] { client->close(); });
  EXPECT_EQ(closing.wait_for(200ms), std::future_status::timeout)
      << "close() must wait for the claims in flight";
  EXPECT_EQ(transport_->sent("/query").size(), 1u);
  for (const auto& request : transport_->held("/init"))
    transport_->answer(request.id, *service_.claim(request));
  closing.get();
  EXPECT_EQ(handled, 5);
  EXPECT_EQ(service_.count_in_state("finished"), 5u);
  EXPECT_TRUE(reports_.all().empty());
  EXPECT_EQ(transport_->sent("/init").size(), 5u) << "no claim may be sent once close() began";
}

TEST_F(CoreTest, CloseReportsEveryClaimStillUnansweredAtTheDeadline) {
  const auto keys = service_.add("ev", 5);
  service_.serve(*transport_);
  transport_->on("/init", nullptr);
  auto o = options();
  o.shutdown_timeout = 100ms;
  auto client = make(o);
  client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(transport_->wait_held("/init", 5));
  client->close();
  std::set<std::string> reported;
  for (const auto& e : reports_.all()) {
    EXPECT_EQ(e.kind, Kind::claim_ambiguous) << e.message;
    reported.insert(e.message_key);
  }
  EXPECT_EQ(reported, std::set<std::string>(keys.begin(), keys.end()));
  EXPECT_EQ(client->metrics().claim_failures, 5u);
}

// Scenario 6: failed claims left the page "full", so it was re-polled at once, forever.
TEST_F(CoreTest, FailingClaimsBackOffLikeFailingPolls) {
  service_.add("ev", 20);
  service_.serve(*transport_);
  transport_->on("/init", [](const Request&) { return answer_status(500); });
  auto o = options();
  o.page_size = 5;  // every page comes back full
  auto client = make(o);
  auto sub = client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(transport_->wait_sent("/query", 1));
  advance(*transport_, 3000ms);
  const auto polls = transport_->sent("/query").size();
  EXPECT_GE(polls, 2u);
  EXPECT_LE(polls, 4u) << "a handful of polls in 3 s, not a storm";
  client->close();
  EXPECT_LE(reports_.all().size(), polls * 5) << "at most one report per failed claim";
  for (const auto& report : reports_.all())
    EXPECT_EQ(report.http_status, 500) << report.message;
  EXPECT_EQ(client->metrics().claim_failures, polls * 5);
  EXPECT_EQ(sub.status().state, buildable::ListenerStatus::State::removed);
}

TEST_F(CoreTest, RetryAfterFromClaimsIsHonoured) {
  service_.add("ev", 5);
  service_.serve(*transport_);
  transport_->on("/init", [](const Request&) { return answer_status(429, "5"); });
  auto o = options();
  o.page_size = 5;
  auto client = make(o);
  auto sub = client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(transport_->wait_sent("/query", 1));
  ASSERT_TRUE(
      eventually([&] { return sub.status().state == buildable::ListenerStatus::State::failing; }));
  advance(*transport_, 4900ms);
  EXPECT_EQ(transport_->sent("/query").size(), 1u) << "polled again before Retry-After: 5";
  advance(*transport_, 200ms);
  EXPECT_EQ(transport_->sent("/query").size(), 2u);
}

// A service that ignores claim tokens (as the hosted one does) answers the claim sent again
// with 409: it may be our own lost claim, so the message is reported, not skipped.
TEST_F(CoreTest, AClaimWhoseConnectionIsResetIsReportedAmbiguousWithItsKey) {
  const auto keys = service_.add("ev", 1);
  service_.serve(*transport_);
  transport_->on("/init", nullptr);
  std::atomic<int> handled{0};
  auto client = make(options());
  auto sub = client->on("ev", [&](const buildable::Message&) { ++handled; });
  // The service acted; its answer is lost.
  lose_first_claim_answer([this](Request& claim) { (void)service_.claim(claim); },
                          connection_reset());
  ASSERT_TRUE(reports_.wait_for([](const auto& all) { return !all.empty(); }));
  const auto report = reports_.all().front();
  EXPECT_EQ(report.kind, Kind::claim_ambiguous);
  EXPECT_EQ(report.message_key, keys[0]);
  EXPECT_EQ(report.http_status, 409) << "the answer to the claim sent again";
  EXPECT_EQ(transport_->sent("/init").size(), 2u) << "a 409 ends the resending";
  EXPECT_TRUE(
      eventually([&] { return sub.status().state == buildable::ListenerStatus::State::failing; }));
  client->close();
  EXPECT_EQ(handled, 0) << "a claim without an answer is never handled";
  EXPECT_EQ(service_.state(keys[0]), "processing");
}

// This project's server honours the token: the claim sent again gets the transaction the lost
// one made, and the message is handled once, without a report.
TEST_F(CoreTest, AClaimWhoseAnswerWasLostIsSentAgainWithItsTokenAndHandled) {
  const auto keys = service_.add("ev", 1);
  service_.serve(*transport_);
  service_.honour_claim_tokens(true);
  transport_->on("/init", nullptr);
  std::atomic<int> handled{0};
  auto client = make(options());
  auto sub = client->on("ev", [&](const buildable::Message&) { ++handled; });
  // The service acted; a balancer lost its answer.
  lose_first_claim_answer([this](Request& claim) { (void)service_.claim(claim); },
                          answer_status(502));
  ASSERT_TRUE(eventually([&] { return service_.state(keys[0]) == "finished"; }));
  client->close();
  EXPECT_EQ(handled, 1);
  EXPECT_TRUE(reports_.all().empty());
  const auto claims = transport_->sent("/init");
  ASSERT_EQ(claims.size(), 2u);
  const std::string token = claims[0].body.value("claimToken", "");
  EXPECT_EQ(token.size(), 32u);
  EXPECT_EQ(claims[1].body.value("claimToken", ""), token) << "the same claim, sent again";
}

// When the claim whose answer was lost had lost the race anyway, a server that honours tokens
// says so (409 claimed-by-another): the message is skipped like any claim lost to a rival.
TEST_F(CoreTest, AResentClaimThatAnotherConsumerHoldsIsSkippedWithoutAReport) {
  const auto keys = service_.add("ev", 1);
  service_.serve(*transport_);
  service_.honour_claim_tokens(true);
  transport_->on("/init", nullptr);
  std::atomic<int> handled{0};
  auto client = make(options());
  auto sub = client->on("ev", [&](const buildable::Message&) { ++handled; });
  // Another consumer won the message meanwhile; our claim's connection broke.
  lose_first_claim_answer(
      [this](Request& claim) {
        claim.body["claimToken"] = "another-consumer";
        (void)service_.claim(claim);
      },
      connection_reset());
  ASSERT_TRUE(transport_->wait_sent("/init", 2));
  ASSERT_TRUE(eventually([&] { return client->metrics().claims_lost == 1u; }));
  client->close();
  EXPECT_EQ(handled, 0);
  EXPECT_TRUE(reports_.all().empty());
  EXPECT_EQ(client->metrics().claim_failures, 0u);
}

// Resending is bounded: a claim whose answers keep getting lost is sent four times in all,
// then reported; a claim refused outright (503: not acted on) is not resent at all.
TEST_F(CoreTest, AClaimIsSentAgainAtMostThreeTimes) {
  const auto keys = service_.add("ev", 2);
  service_.serve(*transport_);
  transport_->on("/init", [&](const Request& r) -> std::optional<buildable::detail::HttpResponse> {
    if (r.body.value("key", "") == keys[0]) return connection_reset();
    return answer_status(503);
  });
  auto client = make(options());
  auto sub = client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(reports_.wait_for([](const auto& all) { return all.size() >= 2; }));
  client->close();
  std::size_t first = 0, second = 0;
  for (const auto& claim : transport_->sent("/init"))
    (claim.body.value("key", "") == keys[0] ? first : second) += 1;
  ASSERT_EQ(transport_->sent("/query").size(), 1u) << "the clock never moved: one poll";
  EXPECT_EQ(first, 4u);
  EXPECT_EQ(second, 1u);
  for (const auto& report : reports_.all()) {
    EXPECT_EQ(report.kind, report.message_key == keys[0] ? Kind::claim_ambiguous : Kind::claim)
        << report.message;
  }
}

// A result the service refuses to record is reported with the status it answered, so that a
// caller can tell a refused key (401/403) from an outage without reading the text.
TEST_F(CoreTest, ARecordThatFailsIsReportedWithTheHttpStatusOfTheAnswer) {
  const auto keys = service_.add("ev", 1);
  service_.serve(*transport_);
  transport_->on("/transact", [](const Request&) { return answer_status(403); });
  auto client = make(options());
  auto sub = client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(reports_.wait_for([](const auto& all) {
    return std::any_of(all.begin(), all.end(),
                       [](const auto& e) { return e.kind == Kind::record; });
  }));
  client->close();
  for (const auto& report : reports_.all()) {
    if (report.kind != Kind::record) continue;
    EXPECT_EQ(report.message_key, keys[0]);
    EXPECT_EQ(report.http_status, 403) << report.message;
  }
}

// Scenario 7: free_room() woke waiting listeners strictly in order and stopped at the first
// without room, so one blocked by its own backlog held up every other.
TEST_F(CoreTest, AListenerBlockedByItsOwnBacklogDoesNotBlockOthers) {
  service_.add("a", 3);
  service_.add("b", 10);
  service_.serve(*transport_);
  auto o = options();
  o.page_size = 1;
  o.max_outstanding_messages = 3;
  Gate release_a;
  std::atomic<int> handled_b{0};
  auto client = make(o);
  client->on("a", [&](const buildable::Message&) { release_a.wait(30s); });
  ASSERT_TRUE(eventually([&] { return service_.count_in_state("processing") == 2; }))
      << "a holds two pages of its own";
  client->on("b", [&](const buildable::Message&) { ++handled_b; });
  EXPECT_TRUE(eventually([&] { return handled_b == 10; }))
      << "b handled " << handled_b << " of 10 while the client had room";
  release_a.open();
}

// Scenario 8: error reports ran before any handler, so a flood kept healthy listeners waiting.
TEST_F(CoreTest, AReportFloodDoesNotStarveHandlers) {
  service_.add("good", 1);
  service_.serve(*transport_);
  transport_->on("/query",
                 [this](const Request& r) -> std::optional<buildable::detail::HttpResponse> {
                   if (r.body.value("eventName", "") != "bad") return service_.query(r);
                   nlohmann::json rows = nlohmann::json::array();
                   for (int i = 0; i < 100; ++i)
                     rows.push_back({{"no", "key"}});
                   return answer_json(200, {{"rows", rows}});
                 });
  Gate good_handled;
  reports_.hook = [&](const buildable::ListenerError&) { good_handled.wait(); };
  auto client = make(options());  // two threads: one stuck in on_error, one free
  client->on("bad", [](const buildable::Message&) {});
  ASSERT_TRUE(reports_.wait_for([](const auto& all) { return !all.empty(); }));
  client->on("good", [&](const buildable::Message&) { good_handled.open(); });
  EXPECT_TRUE(good_handled.wait(5s)) << "the healthy listener's message waited behind reports";
  good_handled.open();
  client->close();
  std::uint64_t malformed = 0;
  for (const auto& e : reports_.all())
    malformed += 1 + e.coalesced;
  EXPECT_EQ(malformed, 100u) << "every malformed row is accounted for, merged or not";
  EXPECT_LE(reports_.all().size(), 2u) << "reports waiting for on_error are merged";
  EXPECT_GE(client->metrics().reports_dropped, 98u);
}

// Scenario 9: a server answering more rows than asked had all of them claimed.
TEST_F(CoreTest, RowsBeyondThePageSizeAreNotClaimedAndReportedOnce) {
  service_.add("ev", 50);
  service_.serve(*transport_);
  transport_->on("/query", [this](const Request& r) {
    auto request = r;
    request.body["pageSize"] = 1000;  // the server ignores the page size
    return service_.query(request);
  });
  auto o = options();
  o.page_size = 5;
  o.max_outstanding_messages = 5;
  Gate release;
  auto client = make(o);
  client->on("ev", [&](const buildable::Message&) { release.wait(30s); });
  ASSERT_TRUE(transport_->wait_sent("/init", 5));
  transport_->settle();
  EXPECT_EQ(transport_->sent("/init").size(), 5u);
  ASSERT_TRUE(reports_.wait_for([](const auto& all) { return !all.empty(); }));
  const auto all = reports_.all();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].kind, Kind::poll);
  EXPECT_NE(all[0].message.find("answered 50 rows"), std::string::npos) << all[0].message;
  release.open();
}

// Scenario 10: a permanent poll error was reported on every poll, and its state was hidden.
TEST_F(CoreTest, APermanentPollErrorIsReportedOncePerStreakAndVisibleInTheStatus) {
  std::atomic<bool> authorised{false};
  service_.serve(*transport_);
  transport_->on("/query", [&](const Request& r) -> std::optional<buildable::detail::HttpResponse> {
    if (!authorised) return answer_status(401);
    return service_.query(r);
  });
  auto client = make(options());
  auto sub = client->on("ev", [](const buildable::Message&) {});
  ASSERT_TRUE(transport_->wait_sent("/query", 1));
  advance(*transport_, 60'000ms, 500ms);
  const auto polls = transport_->sent("/query").size();
  EXPECT_GE(polls, 4u);
  EXPECT_LE(polls, 10u) << "the poller backs off towards max_poll_backoff";
  // Reports reach on_error on the pool, a moment after the poll that raised them.
  ASSERT_TRUE(reports_.wait_for([](const auto& all) { return !all.empty(); }));
  std::uint64_t reported = 0;
  for (const auto& e : reports_.all())
    reported += e.kind == Kind::poll ? 1 + e.coalesced : 0;
  EXPECT_EQ(reported, 1u) << "one report for the whole streak";
  EXPECT_EQ(client->metrics().reports_dropped, 0u);
  auto status = sub.status();
  EXPECT_EQ(status.state, buildable::ListenerStatus::State::failing);
  EXPECT_EQ(status.consecutive_failures, static_cast<int>(polls));
  ASSERT_TRUE(status.last_error.has_value());
  EXPECT_NE(status.last_error->message.find("401"), std::string::npos)
      << status.last_error->message;
  EXPECT_EQ(status.last_error->http_status, 401) << "what a caller tells a refused key by";

  authorised = true;
  advance(*transport_, 31'000ms, 500ms);
  status = sub.status();
  EXPECT_EQ(status.state, buildable::ListenerStatus::State::active);
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_TRUE(status.last_error.has_value()) << "the last error stays readable";
  client->off(sub);
  EXPECT_EQ(sub.status().state, buildable::ListenerStatus::State::removed);
}

}  // namespace
}  // namespace core_test
