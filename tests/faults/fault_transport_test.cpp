// F1-F5: the service goes away, resets, fails, throttles or hangs.
#include <atomic>
#include <thread>

#include "fault_fixture.hpp"

namespace fault_test {
namespace {

using buildable::Client;
using buildable::ListenerError;
using buildable::Message;
using listen_test::Gate;
using listen_test::Tally;
using Clock = std::chrono::steady_clock;

// F1: server down, then back: the poller backs off (capped) and resumes on its own.
TEST_F(FaultTest, F1_ServerDownThenBackPollerBacksOffAndResumes) {
  auto o = fast_options();
  const int port = emulator_.port();
  Client client(o);
  Tally tally;
  client.on("f1", [&](const Message& m) { tally.add(m.key); });
  client.emit("f1", {{"before", true}});
  ASSERT_TRUE(tally.wait_for_total(1));

  emulator_.stop();
  ASSERT_TRUE(errors_.wait_for_kind(ListenerError::Kind::poll));
  // While down, polls back off: waits of at least half of 20, 40, 80, 160, 200, 200 ms
  // (the cap) separate six failures, 350 ms in all, where fixed polling would take 120 ms.
  const auto first_failures = client.metrics().poll_failures;
  const auto down_since = Clock::now();
  ASSERT_TRUE(buildable::testing::wait_until(
      [&] { return client.metrics().poll_failures >= first_failures + 6; }, 10s));
  EXPECT_GE(Clock::now() - down_since, 300ms);

  // Back, on the same port (fresh in-memory storage): a new message is handled.
  buildable::emulator::EmulatorOptions again;
  again.port = port;
  again.keys = emulator_.keys();
  buildable::emulator::Emulator revived(again);
  revived.start();
  Client producer(o);
  const auto key = producer.emit("f1", {{"after", true}}).key;
  ASSERT_TRUE(tally.wait_for_total(2, 10s));
  client.close();
  EXPECT_EQ(tally.counts()[key], 1);
}

// F2: connections reset mid-request: polls, claims and records are retried or re-offered;
// every message is handled exactly once and recorded.
TEST_F(FaultTest, F2_ResetsBeforeActingLoseNothing) {
  Client producer(fast_options());
  const auto keys = emit_many(producer, "f2", 100);
  emulator_.set_faults(faults({rule("/query", FaultKind::close_before_acting, 0.2),
                               rule("/init", FaultKind::close_before_acting, 0.2),
                               rule("/transact", FaultKind::close_before_acting, 0.2)}));
  Client client(fast_options());
  Tally tally;
  buildable::ListenOptions lo;
  lo.since = long_ago();
  client.on(
      "f2", [&](const Message& m) { tally.add(m.key); }, lo);
  ASSERT_TRUE(tally.wait_for_total(keys.size(), 30s)) << tally.total();
  client.close();
  emulator_.set_faults({});
  for (const auto& key : keys) {
    EXPECT_EQ(tally.counts()[key], 1) << key;
    EXPECT_EQ(emulator_.transaction(key, buildable::kDefaultTxKey)["state"], "finished") << key;
  }
}

TEST_F(FaultTest, F2_EmitReportsAResetUnlessTheRequestProvablyNeverLeft) {
  emulator_.set_faults(faults({rule("/emit", FaultKind::close_before_acting, 1.0)}));
  Client client(fast_options());
  try {
    client.emit("f2", {{"x", 1}});
    FAIL() << "a reset emit must be reported";
  } catch (const buildable::TransportError& e) {
    EXPECT_TRUE(e.maybe_sent());  // the server read it: the SDK cannot know it was not stored
  }
  EXPECT_EQ(requests_to(emulator_, "/emit"), 1u);  // not retried by default

  emulator_.set_faults({});
  emulator_.reset_stats();
  auto o = fast_options();
  o.base_url = "http://127.0.0.1:" + std::to_string(buildable::testing::unused_port());
  Client refused(o);
  try {
    refused.emit("f2", {{"x", 1}});
    FAIL() << "nothing listens there";
  } catch (const buildable::TransportError& e) {
    EXPECT_FALSE(e.maybe_sent());
  }
}

// F3: 5xx bursts: bounded attempts with jitter; the retry budget prevents a storm.
TEST_F(FaultTest, F3_ServiceUnavailableBurstIsRetriedBoundedAndBudgeted) {
  emulator_.set_faults(faults({rule("/emit", FaultKind::status_503, 1.0)}));
  auto o = fast_options();
  o.retry.max_attempts = 4;
  Client client(o);
  EXPECT_THROW(client.emit("f3", {{"x", 1}}), buildable::HttpError);
  EXPECT_EQ(requests_to(emulator_, "/emit"), 4u);  // max_attempts, not more

  // Twenty more emits during the outage: without a budget 20 x 4 = 80 requests.
  for (int i = 0; i < 20; ++i)
    EXPECT_THROW(client.emit("f3", {{"i", i}}), buildable::HttpError);
  EXPECT_LE(requests_to(emulator_, "/emit"), 4u + 20u + 4u);

  // 500 is not retried for an emit (it may have been stored).
  emulator_.reset_stats();
  emulator_.set_faults(faults({rule("/emit", FaultKind::status_500, 1.0)}));
  Client fresh(o);
  EXPECT_THROW(fresh.emit("f3", {{"x", 1}}), buildable::HttpError);
  EXPECT_EQ(requests_to(emulator_, "/emit"), 1u);

  // When the burst ends, emits succeed again.
  emulator_.set_faults({});
  EXPECT_FALSE(fresh.emit("f3", {{"ok", true}}).key.empty());
}

TEST_F(FaultTest, F3_PollerSurvivesA5xxBurstAndRecovers) {
  Client client(fast_options());
  Tally tally;
  client.on("f3", [&](const Message& m) { tally.add(m.key); });
  emulator_.set_faults(faults({rule("/query", FaultKind::status_500, 1.0)}));
  ASSERT_TRUE(errors_.wait_for_kind(ListenerError::Kind::poll));
  emulator_.set_faults({});
  Client producer(fast_options());
  producer.emit("f3", {{"after", true}});
  EXPECT_TRUE(tally.wait_for_total(1, 10s));
  client.close();
}

// F4: 429 with Retry-After in both forms: the client waits at least that long.
void expect_waits_for_retry_after(buildable::emulator::Emulator& emulator,
                                  const buildable::ClientOptions& o, bool http_date) {
  auto r = rule("/emit", FaultKind::status_429, 1.0);
  r.retry_after_seconds = 2;
  r.retry_after_http_date = http_date;
  emulator.set_faults(faults({r}));
  Client client(o);
  const auto started = Clock::now();
  auto pending = client.emit_async("f4", {{"x", 1}});
  // The first answer (429) has arrived once a retry is scheduled; clearing the fault on the
  // request count alone could clear it before the emulator drew it for that request.
  ASSERT_TRUE(buildable::testing::wait_until([&] { return client.metrics().retries >= 1; }, 5s));
  emulator.set_faults({});
  const auto result = pending.get();
  const auto waited = Clock::now() - started;
  EXPECT_EQ(result.attempts, 2);
  // An HTTP-date has whole seconds, so "2 s from now" may be as little as 1 s away.
  EXPECT_GE(waited, http_date ? 1s : 2s);
}

TEST_F(FaultTest, F4_RetryAfterSecondsIsHonoured) {
  expect_waits_for_retry_after(emulator_, fast_options(), false);
}

TEST_F(FaultTest, F4_RetryAfterHttpDateIsHonoured) {
  expect_waits_for_retry_after(emulator_, fast_options(), true);
}

TEST_F(FaultTest, F4_RetryAfterBeyondTheCapFailsInsteadOfComingBackEarly) {
  auto r = rule("/emit", FaultKind::status_429, 1.0);
  r.retry_after_seconds = 120;
  emulator_.set_faults(faults({r}));
  auto o = fast_options();
  o.retry.max_backoff = 1s;
  Client client(o);
  try {
    client.emit("f4", {{"x", 1}});
    FAIL() << "expected 429";
  } catch (const buildable::HttpError& e) {
    EXPECT_EQ(e.status(), 429);
  }
  EXPECT_EQ(requests_to(emulator_, "/emit"), 1u);
}

// F5: the server hangs: the request timeout fires, and close() is still prompt.
TEST_F(FaultTest, F5_HungServerTimesOutAndCloseStaysPrompt) {
  auto hang = rule("", FaultKind::delay, 1.0);
  hang.delay = 20s;
  emulator_.set_faults(faults({hang}));
  auto o = fast_options();
  o.request_timeout = 300ms;
  Client client(o);
  try {
    client.emit("f5", {{"x", 1}});
    FAIL() << "expected a timeout";
  } catch (const buildable::TransportError& e) {
    EXPECT_TRUE(e.timed_out());
  }

  // A listener whose poll hangs: close() aborts it instead of waiting for the timeout.
  auto patient = fast_options();
  patient.request_timeout = 30s;
  Client listener(patient);
  listener.on("f5", [](const Message&) {});
  ASSERT_TRUE(
      buildable::testing::wait_until([&] { return requests_to(emulator_, "/query") >= 1; }, 5s));
  const auto started = Clock::now();
  listener.close();
  EXPECT_LT(Clock::now() - started, 5s);
  emulator_.set_faults({});
}

}  // namespace
}  // namespace fault_test
