// Flow control of emit_async() (ClientOptions::max_pending_emits, max_pending_bytes,
// when_emit_queue_full) and flush(), over the scripted transport: /emit requests are held
// until the test answers them, so "pending" is exactly what the test says it is.
#include <atomic>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core_fixture.hpp"
#include "detail/emit/pending_emits.hpp"

namespace core_test {
namespace {

using buildable::ClosedError;
using buildable::EmitResult;
using buildable::QueueFullError;
using buildable::WhenEmitQueueFull;
using nlohmann::json;

/// What `call` threw as QueueFullError, or nothing when it returned.
template <class F>
std::optional<std::string> refusal(F&& call) {
  try {
    call();
  } catch (const QueueFullError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

buildable::detail::HttpResponse emitted(const std::string& key) {
  return answer_json(200, {{"status", "success"}, {"key", key}});
}

class EmitFlowControl : public CoreTest {
 protected:
  buildable::ClientOptions limited(std::size_t max_emits, WhenEmitQueueFull when_full) {
    auto o = options();
    o.max_pending_emits = max_emits;
    o.when_emit_queue_full = when_full;
    o.retry.max_attempts = 1;
    return o;
  }
  /// Answers the held /emit requests, oldest first, with keys "k<id>".
  void answer_held(std::size_t n) {
    auto held = transport_->held("/emit");
    ASSERT_GE(held.size(), n);
    for (std::size_t i = 0; i < n; ++i)
      transport_->answer(held[i].id, emitted("k" + std::to_string(held[i].id)));
  }
  /// A payload whose /emit body is `bytes` long.
  static json payload_of_body(std::size_t bytes) {
    const std::string frame = R"({"event":"e","payload":{"p":""}})";
    return {{"p", std::string(bytes - frame.size(), 'x')}};
  }
};

TEST_F(EmitFlowControl, FailPolicyRefusesPastThePendingCountAndSendsNothing) {
  auto client = make(limited(3, WhenEmitQueueFull::fail));
  std::vector<std::future<EmitResult>> accepted;
  for (int i = 0; i < 3; ++i)
    accepted.push_back(client->emit_async("e", {{"i", i}}));
  ASSERT_TRUE(transport_->wait_held("/emit", 3));

  const auto refused = refusal([&] { (void)client->emit_async("e", {{"i", 3}}); });
  ASSERT_TRUE(refused);
  EXPECT_NE(std::string(*refused).find("max_pending_emits is 3"), std::string::npos) << *refused;
  EXPECT_EQ(transport_->sent("/emit").size(), 3u) << "a refused emit must not be sent";
  EXPECT_EQ(client->metrics().emits_refused, 1u);
  EXPECT_EQ(client->metrics().emit_failures, 0u) << "a refusal is not a failed emit";
  EXPECT_EQ(client->metrics().pending_emits, 3u);

  // Room again once one settles (its future is ready before the room is given back).
  answer_held(1);
  EXPECT_EQ(accepted[0].get().key, "k1");
  ASSERT_TRUE(eventually([&] { return client->metrics().pending_emits == 2; }));
  auto fourth = client->emit_async("e", {{"i", 3}});
  ASSERT_TRUE(transport_->wait_sent("/emit", 4));
  answer_held(3);
  EXPECT_FALSE(fourth.get().key.empty());
}

TEST_F(EmitFlowControl, AnEmitWhoseFutureIsReadyNoLongerCountsAsPending) {
  // One at a time, each waited for: with a limit of one, none may ever be refused. (The room
  // was once given back just after the future became ready, and a caller woken by it was
  // refused.)
  transport_->on("/emit", [](const Request& request) {
    return std::optional(emitted("k" + std::to_string(request.id)));
  });
  auto client = make(limited(1, WhenEmitQueueFull::fail));
  for (int i = 0; i < 300; ++i) {
    auto result = client->emit_async("e", {{"i", i}});
    ASSERT_FALSE(result.get().key.empty());
    ASSERT_EQ(client->metrics().pending_emits, 0u) << "after emit " << i;
  }
  EXPECT_EQ(client->metrics().emits_refused, 0u);
}

TEST_F(EmitFlowControl, FailPolicyRefusesPastThePendingBytes) {
  auto o = limited(100, WhenEmitQueueFull::fail);
  o.max_pending_bytes = 1000;
  auto client = make(o);
  auto first = client->emit_async("e", payload_of_body(400));
  auto second = client->emit_async("e", payload_of_body(400));
  const auto refused = refusal([&] { (void)client->emit_async("e", payload_of_body(400)); });
  ASSERT_TRUE(refused);
  EXPECT_NE(std::string(*refused).find("max_pending_bytes (1000)"), std::string::npos) << *refused;
  // A smaller one still fits beside the two.
  auto small = client->emit_async("e", payload_of_body(200));
  ASSERT_TRUE(transport_->wait_held("/emit", 3));
  EXPECT_EQ(transport_->sent("/emit").size(), 3u);
  answer_held(3);
  EXPECT_EQ(first.get().key, "k1");
  EXPECT_EQ(small.get().key, "k3");
}

TEST_F(EmitFlowControl, AnEmitLargerThanTheByteLimitGoesWhenNothingElseIsPending) {
  auto o = limited(100, WhenEmitQueueFull::fail);
  o.max_pending_bytes = 100;
  auto client = make(o);
  auto big = client->emit_async("e", payload_of_body(500));
  ASSERT_TRUE(transport_->wait_held("/emit", 1));
  EXPECT_THROW((void)client->emit_async("e", payload_of_body(50)), QueueFullError)
      << "nothing fits beside an emit already over the limit";
  answer_held(1);
  EXPECT_EQ(big.get().key, "k1");
}

TEST_F(EmitFlowControl, BlockPolicyWaitsForRoomAndGoesOnWhenAnEmitSettles) {
  auto client = make(limited(2, WhenEmitQueueFull::block));
  auto first = client->emit_async("e", {{"i", 0}});
  auto second = client->emit_async("e", {{"i", 1}});
  ASSERT_TRUE(transport_->wait_held("/emit", 2));

  auto third = std::async(std::launch::async, [&] { return client->emit_async("e", {{"i", 2}}); });
  ASSERT_TRUE(eventually([&] { return client->metrics().emit_queue_waits == 1; }));
  // Counted as waiting and no room has been given back: the call cannot have returned.
  EXPECT_EQ(third.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(transport_->sent("/emit").size(), 2u);

  answer_held(1);
  auto third_result = third.get();  // the call returns once there is room
  ASSERT_TRUE(transport_->wait_sent("/emit", 3));
  EXPECT_EQ(transport_->sent("/emit").back().body["payload"]["i"], 2);
  answer_held(2);
  EXPECT_EQ(third_result.get().key, "k3");
  EXPECT_EQ(client->metrics().emits_refused, 0u);
}

TEST_F(EmitFlowControl, WaitingCallersGetRoomInArrivalOrder) {
  auto client = make(limited(1, WhenEmitQueueFull::block));
  auto first = client->emit_async("e", {{"who", "first"}});
  ASSERT_TRUE(transport_->wait_held("/emit", 1));
  auto a = std::async(std::launch::async, [&] { return client->emit_async("e", {{"who", "a"}}); });
  ASSERT_TRUE(eventually([&] { return client->metrics().emit_queue_waits == 1; }));
  auto b = std::async(std::launch::async, [&] { return client->emit_async("e", {{"who", "b"}}); });
  ASSERT_TRUE(eventually([&] { return client->metrics().emit_queue_waits == 2; }));

  answer_held(1);
  auto a_result = a.get();
  ASSERT_TRUE(transport_->wait_sent("/emit", 2));
  EXPECT_EQ(transport_->sent("/emit")[1].body["payload"]["who"], "a");
  EXPECT_EQ(b.wait_for(0s), std::future_status::timeout) << "one pending emit at most";

  answer_held(1);
  auto b_result = b.get();
  ASSERT_TRUE(transport_->wait_sent("/emit", 3));
  EXPECT_EQ(transport_->sent("/emit")[2].body["payload"]["who"], "b");
  answer_held(1);
  EXPECT_EQ(a_result.get().key, "k2");
  EXPECT_EQ(b_result.get().key, "k3");
}

TEST_F(EmitFlowControl, CloseEndsAWaitForRoomWithClosedError) {
  auto client = make(limited(1, WhenEmitQueueFull::block));
  auto first = client->emit_async("e", {{"i", 0}});
  ASSERT_TRUE(transport_->wait_held("/emit", 1));
  auto waiting = std::async(std::launch::async, [&] {
    return client->emit_async("e", {{"i", 1}});
  });
  ASSERT_TRUE(eventually([&] { return client->metrics().emit_queue_waits == 1; }));

  client->close();
  auto result = waiting.get();
  EXPECT_THROW(result.get(), ClosedError);
  EXPECT_THROW(first.get(), ClosedError) << "close() ends the emit still in flight";
  EXPECT_EQ(transport_->sent("/emit").size(), 1u) << "the waiting emit was never sent";
  EXPECT_EQ(client->metrics().pending_emits, 0u);
}

TEST_F(EmitFlowControl, FlushWaitsUntilEveryAcceptedEmitHasSettled) {
  auto client = make(limited(10, WhenEmitQueueFull::block));
  EXPECT_TRUE(client->flush(0ms)) << "nothing pending: at once";
  auto first = client->emit_async("e", {{"i", 0}});
  auto second = client->emit_async("e", {{"i", 1}});
  ASSERT_TRUE(transport_->wait_held("/emit", 2));
  EXPECT_FALSE(client->flush(0ms));

  auto flushed = std::async(std::launch::async, [&] { client->flush(); });
  answer_held(1);
  EXPECT_EQ(flushed.wait_for(0s), std::future_status::timeout) << "one emit is still held";
  transport_->answer(transport_->held("/emit").at(0).id, answer_status(400));
  flushed.get();
  // Settled means ready: a success and a failure alike.
  EXPECT_EQ(first.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(second.wait_for(0s), std::future_status::ready);
  EXPECT_THROW(second.get(), buildable::HttpError);
  EXPECT_EQ(client->metrics().pending_emits, 0u);
}

TEST_F(EmitFlowControl, EveryAttemptSendsTheSameBodyBuffer) {
  auto o = limited(10, WhenEmitQueueFull::block);
  o.retry.max_attempts = 3;
  o.retry.initial_backoff = 10ms;
  auto client = make(o);
  auto result = client->emit_async("e", payload_of_body(4096));
  ASSERT_TRUE(transport_->wait_held("/emit", 1));
  transport_->answer(transport_->held("/emit").at(0).id, answer_status(503));
  transport_->settle();     // the answer is handled and the retry's timer set
  transport_->advance(1s);  // past the backoff: the retry is sent
  ASSERT_TRUE(transport_->wait_held("/emit", 1));
  const auto sent = transport_->sent("/emit");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].bytes.get(), sent[1].bytes.get()) << "a retry must not copy the body";
  EXPECT_EQ(sent[0].bytes->size(), 4096u);
  answer_held(1);
  EXPECT_EQ(result.get().attempts, 2);
}

// flush() waits for what was accepted before it, not for what comes later: driven on the
// class itself, where the test can see that flush() is waiting.
TEST(PendingEmits, FlushDoesNotWaitForEmitsAcceptedAfterItStarted) {
  buildable::detail::MetricsRecorder metrics;
  buildable::detail::PendingEmits pending({10, 1000, WhenEmitQueueFull::block}, metrics);
  const auto before = pending.admit(10);
  ASSERT_TRUE(before);
  auto flushed = std::async(std::launch::async, [&] { return pending.flush(std::nullopt); });
  ASSERT_TRUE(buildable::testing::wait_until([&] { return pending.waiting_flushes() == 1; }, 10s));
  const auto after = pending.admit(10);
  ASSERT_TRUE(after);
  pending.settle(*before, [] {});
  EXPECT_TRUE(flushed.get());
  EXPECT_FALSE(pending.flush(std::chrono::steady_clock::now())) << "the later one is pending";
  pending.settle(*after, [] {});
  EXPECT_TRUE(pending.flush(std::chrono::steady_clock::now()));
}

// Limits past what the packed counters hold act as the largest they hold (ClientOptions docs).
TEST(PendingEmits, LimitsAboveTheCountersRangeActAsTheirLargestValue) {
  using buildable::detail::PendingEmits;
  const auto unlimited = std::numeric_limits<std::size_t>::max();
  buildable::detail::MetricsRecorder metrics;
  PendingEmits by_bytes({unlimited, unlimited, WhenEmitQueueFull::fail}, metrics);
  const auto whole = by_bytes.admit(PendingEmits::kMaxBytes);
  ASSERT_TRUE(whole);
  EXPECT_THROW(by_bytes.admit(1), QueueFullError);
  by_bytes.settle(*whole, [] {});
  const auto huge = by_bytes.admit(unlimited);  // alone: accepted, counted as the largest
  ASSERT_TRUE(huge);
  EXPECT_THROW(by_bytes.admit(1), QueueFullError);
  by_bytes.settle(*huge, [] {});
  EXPECT_TRUE(by_bytes.admit(1)) << "settling gave all of its room back";

  PendingEmits by_count({unlimited, unlimited, WhenEmitQueueFull::fail}, metrics);
  for (std::size_t i = 0; i < PendingEmits::kMaxEmits; ++i)
    ASSERT_TRUE(by_count.admit(0));
  EXPECT_THROW(by_count.admit(0), QueueFullError);
}

// Many threads admitting and settling while another flushes: every flush() returns only
// after each emit admitted before it has had its future made ready, waiting callers all get
// room, and the pending count ends at zero. Meant for the sanitizer builds, where it races
// the lock-free paths of admit() and settle() against flush()'s epochs.
TEST(PendingEmits, ConcurrentAdmitsSettlesAndFlushesKeepTheirPromises) {
  buildable::detail::MetricsRecorder metrics;
  buildable::detail::PendingEmits pending({2, 150, WhenEmitQueueFull::block}, metrics);
  std::mutex mutex;
  std::vector<std::shared_ptr<std::atomic<bool>>> ready;  // one per admitted emit, in order
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (std::size_t i = 0; !stop.load(); ++i) {
        const auto ticket = pending.admit(1 + (i * 37 + static_cast<std::size_t>(w)) % 100);
        ASSERT_TRUE(ticket);
        auto flag = std::make_shared<std::atomic<bool>>(false);
        {
          std::lock_guard lock(mutex);
          ready.push_back(flag);
        }
        if (i % 3 == 0) std::this_thread::yield();
        pending.settle(*ticket, [&] { flag->store(true); });
      }
    });
  }
  // Until enough traffic went by and some of it had to wait for room (with a deadline).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
    std::size_t admitted_before = 0;
    {
      std::lock_guard lock(mutex);
      admitted_before = ready.size();
    }
    if (round >= 300 && admitted_before >= 20'000 && metrics.snapshot().emit_queue_waits > 0) break;
    ASSERT_TRUE(pending.flush(std::nullopt));
    std::lock_guard lock(mutex);
    for (std::size_t i = 0; i < admitted_before; ++i)
      ASSERT_TRUE(ready[i]->load()) << "flush() returned before emit " << i << " was ready";
  }
  stop = true;
  for (auto& t : workers)
    t.join();
  EXPECT_EQ(metrics.snapshot().pending_emits, 0u);
  EXPECT_GT(metrics.snapshot().emit_queue_waits, 0u) << "the limits never made anyone wait";
  EXPECT_TRUE(pending.flush(std::chrono::steady_clock::now()));
}

// --- emit_batch: the same limits, one hand-off for what fits -------------------------------

std::vector<buildable::OutgoingEvent> numbered(int count) {
  std::vector<buildable::OutgoingEvent> events;
  for (int i = 0; i < count; ++i)
    events.push_back({"e", {{"i", i}}});
  return events;
}

/// The /emit requests sent so far carry events 0, 1, ... in order, and outcome i has the key
/// the test gave request i ("k<id>").
void expect_outcomes_in_order(const std::vector<buildable::EmitOutcome>& outcomes,
                              const std::vector<Request>& sent) {
  ASSERT_EQ(sent.size(), outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_EQ(sent[i].body["payload"]["i"], static_cast<int>(i));
    EXPECT_EQ(outcomes[i].value().key, "k" + std::to_string(sent[i].id)) << i;
  }
}

TEST_F(EmitFlowControl, ABatchThatFitsIsHandedOverAtOnce) {
  auto client = make(limited(100, WhenEmitQueueFull::block));
  auto future = client->emit_batch_async(numbered(30));
  EXPECT_EQ(transport_->handoffs(), std::vector<std::size_t>{30});
  ASSERT_TRUE(transport_->wait_held("/emit", 30));
  EXPECT_EQ(client->metrics().pending_emits, 30u);
  answer_held(30);
  expect_outcomes_in_order(future.get(), transport_->sent("/emit"));
  EXPECT_EQ(client->metrics().pending_emits, 0u);
  EXPECT_EQ(client->metrics().emits, 30u);
}

TEST_F(EmitFlowControl, ABatchBeyondTheRoomIsHandedOverInPartsAndWaitsForRoom) {
  auto client = make(limited(4, WhenEmitQueueFull::block));
  auto call =
      std::async(std::launch::async, [&] { return client->emit_batch_async(numbered(10)); });
  ASSERT_TRUE(transport_->wait_held("/emit", 4));
  EXPECT_EQ(transport_->handoffs(), std::vector<std::size_t>{4}) << "what fits goes first";
  EXPECT_EQ(client->metrics().pending_emits, 4u);
  // Each answer gives room for one more event, which is handed over before the next wait.
  // The call waits for room before each answer (counted when it starts to wait).
  for (std::size_t sent = 4; sent < 10; ++sent) {
    ASSERT_TRUE(eventually([&] { return client->metrics().emit_queue_waits == sent - 3; }))
        << "the batch is not waiting for room for event " << sent;
    answer_held(1);
    ASSERT_TRUE(transport_->wait_sent("/emit", sent + 1));
    EXPECT_LE(client->metrics().pending_emits, 4u);
  }
  auto future = call.get();  // every event admitted: the call has returned
  answer_held(4);
  expect_outcomes_in_order(future.get(), transport_->sent("/emit"));
  EXPECT_EQ(transport_->handoffs().size(), 7u) << "4 at once, then the other 6 one by one";
  EXPECT_EQ(client->metrics().emit_queue_waits, 6u);
}

TEST_F(EmitFlowControl, FailPolicyRefusesTheEventsOfABatchThatFindNoRoom) {
  auto client = make(limited(3, WhenEmitQueueFull::fail));
  auto future = client->emit_batch_async(numbered(5));
  ASSERT_TRUE(transport_->wait_held("/emit", 3));
  answer_held(3);
  const auto outcomes = future.get();
  ASSERT_EQ(outcomes.size(), 5u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_TRUE(outcomes[i].ok()) << i;
  for (std::size_t i = 3; i < 5; ++i)
    EXPECT_THROW(outcomes[i].value(), QueueFullError) << i;
  EXPECT_EQ(transport_->sent("/emit").size(), 3u) << "a refused event must not be sent";
  EXPECT_EQ(client->metrics().emits_refused, 2u);
}

TEST_F(EmitFlowControl, CloseWhileABatchWaitsForRoomEndsTheRestWithClosedError) {
  auto client = make(limited(2, WhenEmitQueueFull::block));
  auto call = std::async(std::launch::async, [&] { return client->emit_batch_async(numbered(5)); });
  ASSERT_TRUE(transport_->wait_held("/emit", 2));
  client->close();
  const auto outcomes = call.get().get();
  ASSERT_EQ(outcomes.size(), 5u);
  for (const auto& outcome : outcomes)
    EXPECT_THROW(outcome.value(), ClosedError);
  EXPECT_EQ(transport_->sent("/emit").size(), 2u);
}

}  // namespace
}  // namespace core_test
