// The listening core against the emulator's fault modes, end to end over loopback: close()
// while claims are delayed, and claims that keep failing (scenarios 5 and 6 of the
// listening-core issue; tests/core drives the same cases deterministically).
#include <atomic>
#include <chrono>

#include "fault_fixture.hpp"
#include "test_server.hpp"

namespace fault_test {
namespace {

using Kind = buildable::ListenerError::Kind;

TEST_F(FaultTest, CloseWhileClaimsAreDelayedHandlesAndRecordsThem) {
  auto o = options();
  o.shutdown_timeout = 10s;
  buildable::Client producer(o);
  emit_many(producer, "delayed.claims", 5);
  FaultRule slow = rule("/init", FaultKind::delay, 1.0);
  slow.delay = 500ms;
  emulator_.set_faults(faults({slow}));

  buildable::Client client(o);
  listen_test::Tally handled;
  buildable::ListenOptions replay;
  replay.since = long_ago();
  client.on(
      "delayed.claims", [&](const buildable::Message& m) { handled.add(m.key); }, replay);
  ASSERT_TRUE(
      buildable::testing::wait_until([&] { return requests_to(emulator_, "/init") >= 5; }, 10s));
  client.close();  // the five claims are still on their way

  EXPECT_EQ(handled.total(), 5u) << "claims answered during close() are handled";
  const auto metrics = client.metrics();
  EXPECT_EQ(metrics.messages_dispatched, 5u);
  EXPECT_EQ(metrics.records_failed, 0u);
  EXPECT_TRUE(errors_.errors().empty());
}

TEST_F(FaultTest, FailingClaimsBackOffInsteadOfRepollingAtOnce) {
  auto o = options();
  o.poll_interval = 200ms;
  o.page_size = 5;  // every page comes back full
  buildable::Client producer(o);
  emit_many(producer, "failing.claims", 20);
  emulator_.set_faults(faults({rule("/init", FaultKind::status_500, 1.0)}));

  std::atomic<int> reports{0};
  o.on_error = [&](const buildable::ListenerError&) { ++reports; };
  buildable::Client client(o);
  buildable::ListenOptions replay;
  replay.since = long_ago();
  const auto started = std::chrono::steady_clock::now();
  client.on(
      "failing.claims", [](const buildable::Message&) {}, replay);
  ASSERT_TRUE(
      buildable::testing::wait_until([&] { return requests_to(emulator_, "/query") >= 3; }, 10s));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  // Backoff after failed claims: at least half of 200 ms, then half of 400 ms.
  EXPECT_GE(elapsed, 300ms) << "pages with failed claims were re-polled at once";
  client.close();
  EXPECT_LE(reports.load(), static_cast<int>(requests_to(emulator_, "/query")) * 5);
  EXPECT_GT(client.metrics().claim_failures, 0u);
}

}  // namespace
}  // namespace fault_test
