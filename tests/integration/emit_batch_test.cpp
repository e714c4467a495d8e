// emit_batch() and emit_batch_async() over real HTTP on loopback: one outcome per event, in
// order; each event fails on its own (caller mistakes, server errors, refusals for room,
// close()); the flow-control limits of emit_async() apply to every event; flush() waits for
// batches.
#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include "integration_helpers.hpp"
#include "nested_json.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;

/// The key the server gives event number `i`: the outcome at index i must carry it.
std::string key_for(long i) {
  char key[33];
  std::snprintf(key, sizeof key, "%032lx", i);
  return key;
}

/// Answers each /emit with key_for(payload.i), or with `status` for the numbers in `failing`.
ScriptedResponse answer_by_number(const RecordedRequest& request, long delay_ms = 0) {
  const auto body = request.json();
  const long i = body["payload"].value("i", -1L);
  ScriptedResponse answer = i % 7 == 3 ? ScriptedResponse::error(400, "ValidationError", "no")
                                       : ScriptedResponse::emit_success(key_for(i));
  return delay_ms > 0 ? ScriptedResponse::delayed(std::chrono::milliseconds(delay_ms), answer)
                      : answer;
}

std::vector<OutgoingEvent> numbered_events(int count) {
  std::vector<OutgoingEvent> events;
  for (int i = 0; i < count; ++i)
    events.push_back({"batch.event", {{"i", i}}});
  return events;
}

class EmitBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.set_handler("/emit", [](const RecordedRequest& r) { return answer_by_number(r); });
  }
  TestServer server;
};

TEST_F(EmitBatchTest, EveryEventGetsItsOwnOutcomeInOrder) {
  Client client(options_for(server));
  const auto outcomes = client.emit_batch(numbered_events(100));
  ASSERT_EQ(outcomes.size(), 100u);
  std::uint64_t published = 0;
  for (long i = 0; i < 100; ++i) {
    SCOPED_TRACE(i);
    if (i % 7 == 3) {  // the server refused these alone
      ASSERT_FALSE(outcomes[i].ok());
      EXPECT_THROW(outcomes[i].value(), HttpError);
    } else {
      ASSERT_TRUE(outcomes[i].ok());
      EXPECT_EQ(outcomes[i].value().key, key_for(i));
      EXPECT_EQ(outcomes[i].value().attempts, 1);
      ++published;
    }
  }
  EXPECT_EQ(server.request_count("/emit"), 100u);
  const Metrics metrics = client.metrics();
  EXPECT_EQ(metrics.emits, published);
  EXPECT_EQ(metrics.emit_failures, 100u - published);
  EXPECT_EQ(metrics.pending_emits, 0u);
}

TEST_F(EmitBatchTest, ACallerMistakeFailsOnlyItsEventAndIsNeverSent) {
  Client client(options_for(server));
  std::vector<OutgoingEvent> events = numbered_events(6);
  events[1].event = "";                                    // no name
  events[2].payload = nlohmann::json::array({1, 2});       // not an object
  events[4].payload = {{"deep", nested_arrays(100'000)}};  // too deep
  events[5].event = "bad\nname";                           // control character
  const auto outcomes = client.emit_batch(events);
  ASSERT_EQ(outcomes.size(), 6u);
  EXPECT_EQ(outcomes[0].value().key, key_for(0));
  EXPECT_EQ(outcomes[3].result, std::nullopt);  // 3 is refused by the server (see above)
  for (const int bad : {1, 2, 4, 5}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(outcomes[bad].ok());
    EXPECT_THROW(outcomes[bad].value(), InvalidArgument);
  }
  EXPECT_EQ(server.request_count("/emit"), 2u) << "only events 0 and 3 were valid";
  // Counted as emit_async() counts them: a caller mistake is thrown before any emit exists.
  EXPECT_EQ(client.metrics().emits, 1u);
  EXPECT_EQ(client.metrics().emit_failures, 1u) << "only event 3, refused by the server";
}

TEST_F(EmitBatchTest, AnEmptyBatchHasNoOutcomesAndSendsNothing) {
  Client client(options_for(server));
  EXPECT_TRUE(client.emit_batch({}).empty());
  auto future = client.emit_batch_async({});
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_TRUE(future.get().empty());
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(EmitBatchTest, ABatchLargerThanThePendingLimitGoesThroughInParts) {
  server.set_handler("/emit", [](const RecordedRequest& r) { return answer_by_number(r, 2); });
  ClientOptions options = options_for(server);
  options.max_pending_emits = 4;  // block, the default
  Client client(options);
  const auto outcomes = client.emit_batch(numbered_events(60));
  ASSERT_EQ(outcomes.size(), 60u);
  for (long i = 0; i < 60; ++i) {
    if (i % 7 != 3) {
      EXPECT_EQ(outcomes[i].value().key, key_for(i)) << i;
    }
  }
  EXPECT_EQ(server.request_count("/emit"), 60u);
  EXPECT_GT(client.metrics().emit_queue_waits, 0u) << "the batch never waited for room";
  EXPECT_EQ(client.metrics().pending_emits, 0u);
}

TEST_F(EmitBatchTest, WithTheFailPolicyEventsThatFindNoRoomAreRefusedOneByOne) {
  server.set_handler("/emit", [](const RecordedRequest& r) { return answer_by_number(r, 50); });
  ClientOptions options = options_for(server);
  options.max_pending_emits = 4;
  options.when_emit_queue_full = WhenEmitQueueFull::fail;
  Client client(options);
  const auto outcomes = client.emit_batch(numbered_events(10));
  ASSERT_EQ(outcomes.size(), 10u);
  std::size_t refused = 0;
  for (long i = 0; i < 10; ++i) {
    if (outcomes[i].ok()) {
      EXPECT_EQ(outcomes[i].value().key, key_for(i));
    } else {
      try {
        outcomes[i].value();
      } catch (const QueueFullError&) {
        ++refused;
      } catch (const HttpError&) {
        EXPECT_EQ(i % 7, 3) << i;
      }
    }
  }
  EXPECT_GE(refused, 6u) << "4 fit; the answers take 50 ms, so the others find no room";
  EXPECT_EQ(server.request_count("/emit"), 10u - refused);
  const Metrics metrics = client.metrics();
  EXPECT_EQ(metrics.emits_refused, refused);
  EXPECT_EQ(metrics.emits + metrics.emit_failures + metrics.emits_refused, 10u)
      << "a refused event is counted once, as a refusal";
}

TEST_F(EmitBatchTest, FlushWaitsForTheEventsOfABatch) {
  server.set_handler("/emit", [](const RecordedRequest& r) { return answer_by_number(r, 20); });
  Client client(options_for(server));
  auto future = client.emit_batch_async(numbered_events(20));
  client.flush();
  ASSERT_EQ(future.wait_for(0s), std::future_status::ready) << "flush() returned first";
  EXPECT_EQ(future.get().size(), 20u);
}

TEST_F(EmitBatchTest, CloseEndsWhatIsPendingWithClosedErrorAndLaterBatchesAtOnce) {
  server.set_handler("/emit", [](const RecordedRequest&) {
    return ScriptedResponse::delayed(10s, ScriptedResponse::emit_success(key_for(1)));
  });
  Client client(options_for(server));
  auto future = client.emit_batch_async(numbered_events(5));
  ASSERT_TRUE(server.wait_for_requests(5, 10s));
  client.close();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  for (const EmitOutcome& outcome : future.get())
    EXPECT_THROW(outcome.value(), ClosedError);
  const auto after = client.emit_batch(numbered_events(3));
  ASSERT_EQ(after.size(), 3u);
  for (const EmitOutcome& outcome : after)
    EXPECT_THROW(outcome.value(), ClosedError);
}

TEST_F(EmitBatchTest, ConcurrentBatchesAndEmitsAllSettle) {
  ClientOptions options = options_for(server);
  options.max_pending_emits = 8;
  Client client(options);
  std::vector<std::future<std::vector<EmitOutcome>>> batches;
  for (int t = 0; t < 4; ++t) {
    batches.push_back(std::async(std::launch::async, [&client] {
      std::vector<EmitOutcome> last;
      for (int round = 0; round < 5; ++round)
        last = client.emit_batch(numbered_events(25));
      return last;
    }));
  }
  for (int i = 0; i < 50; ++i)
    client.emit_async("single", {{"i", 1000 + 7 * i}}).get();  // never refused: 1000 % 7 is 6
  std::vector<std::vector<EmitOutcome>> results;
  for (auto& batch : batches)
    results.push_back(batch.get());
  for (const auto& outcomes : results) {
    ASSERT_EQ(outcomes.size(), 25u);
    for (long i = 0; i < 25; ++i) {
      if (i % 7 != 3) {
        EXPECT_EQ(outcomes[i].value().key, key_for(i));
      }
    }
  }
  EXPECT_EQ(server.request_count("/emit"), 4u * 5 * 25 + 50);
  EXPECT_EQ(client.metrics().pending_emits, 0u);
}

TEST(EmitOutcomeTest, ValueRethrowsTheErrorAndRefusesAnEmptyOutcome) {
  EmitOutcome published{EmitResult{"k", 2}, nullptr};
  EXPECT_TRUE(published.ok());
  EXPECT_EQ(published.value().attempts, 2);
  EmitOutcome failed{std::nullopt, std::make_exception_ptr(ClosedError())};
  EXPECT_FALSE(failed.ok());
  EXPECT_THROW(failed.value(), ClosedError);
  EXPECT_THROW(EmitOutcome{}.value(), std::logic_error);
}

}  // namespace
}  // namespace buildable::testing
