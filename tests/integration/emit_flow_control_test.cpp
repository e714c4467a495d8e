// Flow control of emit_async() over real HTTP on loopback: with a small pending limit, a
// burst of emits is throttled (block) or partly refused (fail), and flush() returns once every
// accepted emit has settled. Each accepted emit reaches the server exactly once; a refused one
// never does.
#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <future>
#include <vector>

#include "integration_helpers.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;

class EmitFlowControlOverHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    // Slow enough that a burst outruns the answers and the limit is reached.
    server.set_handler("/emit", [](const RecordedRequest&) {
      return ScriptedResponse::delayed(2ms, ScriptedResponse::emit_success(TestServer::make_key()));
    });
  }
  ClientOptions limited(WhenEmitQueueFull when_full) {
    ClientOptions o = options_for(server);
    o.max_pending_emits = 4;
    o.when_emit_queue_full = when_full;
    return o;
  }
  TestServer server;
};

TEST_F(EmitFlowControlOverHttp, ABurstIsThrottledToTheLimitAndEveryEmitArrivesOnce) {
  Client client(limited(WhenEmitQueueFull::block));
  constexpr int kEmits = 300;
  std::vector<std::future<EmitResult>> results;
  for (int i = 0; i < kEmits; ++i)
    results.push_back(client.emit_async("burst", {{"i", i}}));
  client.flush();
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(0s), std::future_status::ready) << "flush() returned early";
    EXPECT_FALSE(result.get().key.empty());
  }
  EXPECT_EQ(server.request_count("/emit"), static_cast<std::size_t>(kEmits));
  const Metrics metrics = client.metrics();
  EXPECT_GT(metrics.emit_queue_waits, 0u) << "the burst never reached the limit";
  EXPECT_EQ(metrics.pending_emits, 0u);
  EXPECT_EQ(metrics.emits, static_cast<std::uint64_t>(kEmits));
}

TEST_F(EmitFlowControlOverHttp, FailPolicyRefusesWhatDoesNotFitAndSendsOnlyWhatItAccepted) {
  Client client(limited(WhenEmitQueueFull::fail));
  std::vector<std::future<EmitResult>> accepted;
  std::size_t refused = 0;
  for (int i = 0; i < 200; ++i) {
    try {
      accepted.push_back(client.emit_async("burst", {{"i", i}}));
    } catch (const QueueFullError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 0u) << "the burst never reached the limit";
  client.flush();
  for (auto& result : accepted)
    EXPECT_FALSE(result.get().key.empty());
  EXPECT_EQ(server.request_count("/emit"), accepted.size());
  EXPECT_EQ(client.metrics().emits_refused, refused);
}

}  // namespace
}  // namespace buildable::testing
