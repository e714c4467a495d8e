// F6-F8: bad answers from the network, lost claims, throwing handlers.
#include <atomic>
#include <test_server.hpp>

#include "fault_fixture.hpp"

namespace fault_test {
namespace {

using buildable::Client;
using buildable::ListenerError;
using buildable::Message;
using buildable::testing::RecordedRequest;
using buildable::testing::ScriptedResponse;
using buildable::testing::TestServer;
using listen_test::Tally;
using nlohmann::json;

json row(const std::string& key, const json& payload) {
  return {{"key", key},
          {"eventName", "f6"},
          {"payload", payload.dump()},
          {"createdAt", 1000},
          {"environment", "test"}};
}

json page(const json& rows) {
  return {
      {"rows", rows}, {"total", rows.size()}, {"page", 1}, {"pageSize", 100}, {"totalPages", 1}};
}

class ScriptedListenTest : public FaultTest {
 protected:
  buildable::ClientOptions server_options() {
    auto o = fast_options();
    o.base_url = server_.base_url();
    o.secret = "scripted-secret";
    return o;
  }
  TestServer server_;
};

// F6: truncated, invalid or wrong-typed JSON is reported through on_error, nothing is thrown
// into user code, and the loop carries on to the next good page.
TEST_F(ScriptedListenTest, F6_GarbageAnswersAreReportedAndTheLoopContinues) {
  const std::vector<ScriptedResponse> garbage = {
      ScriptedResponse::raw(200, R"({"rows":[{"key":"abc")"),  // truncated
      ScriptedResponse::raw(200, "<html>not json</html>", "text/html"),
      ScriptedResponse::json(200, {{"rows", 5}}),  // wrong type
      ScriptedResponse::json(200, json::array()),
      ScriptedResponse::json(200, page(json::array({{{"key", 12}}}))),  // key of the wrong type
  };
  for (const auto& bad : garbage)
    server_.enqueue("/query", bad);
  const std::string key = TestServer::make_key();
  server_.enqueue("/query",
                  ScriptedResponse::json(200, page(json::array({row(key, {{"ok", 1}})}))));
  server_.set_default("/query", ScriptedResponse::json(200, page(json::array())));
  server_.set_default("/init", ScriptedResponse::json(200, {{"state", "processing"}}));
  server_.set_default("/transact", ScriptedResponse::json(200, {{"state", "finished"}}));

  Client client(server_options());
  Tally tally;
  client.on("f6", [&](const Message& m) {
    EXPECT_EQ(m.payload, json({{"ok", 1}}));
    tally.add(m.key);
  });
  ASSERT_TRUE(tally.wait_for_total(1, 10s));
  ASSERT_TRUE(server_.wait_for_requests(1, 10s, "/transact"));
  client.close();
  EXPECT_EQ(tally.counts(), (std::map<std::string, int>{{key, 1}}));
  std::size_t poll_errors = 0;
  for (const auto& e : errors_.errors()) {
    if (e.kind == ListenerError::Kind::poll) ++poll_errors;
  }
  EXPECT_GE(poll_errors, garbage.size());
}

TEST_F(FaultTest, F6_TruncatedQueryAnswersFromTheEmulatorLoseNothing) {
  Client producer(fast_options());
  const auto keys = emit_many(producer, "f6", 20);
  emulator_.set_faults(faults({rule("/query", FaultKind::truncate_after_acting, 0.5)}));
  Client client(fast_options());
  Tally tally;
  buildable::ListenOptions lo;
  lo.since = long_ago();
  client.on(
      "f6", [&](const Message& m) { tally.add(m.key); }, lo);
  ASSERT_TRUE(tally.wait_for_total(keys.size(), 20s));
  client.close();
  for (const auto& key : keys)
    EXPECT_EQ(tally.counts()[key], 1);
}

// F7: a claim lost to another consumer: skipped silently, the handler is not called, and the
// claim is not retried.
TEST_F(ScriptedListenTest, F7_LostClaimsAreSkippedWithoutRetries) {
  const std::string mine = TestServer::make_key();
  const std::string theirs1 = TestServer::make_key();
  const std::string theirs2 = TestServer::make_key();
  server_.enqueue(
      "/query",
      ScriptedResponse::json(200, page(json::array({row(theirs1, {{"i", 1}}), row(mine, {{"i", 2}}),
                                                    row(theirs2, {{"i", 3}})}))));
  server_.set_default("/query", ScriptedResponse::json(200, page(json::array())));
  server_.set_handler("/init", [&](const RecordedRequest& r) {
    if (r.json().value("key", "") == mine)
      return ScriptedResponse::json(200, {{"state", "processing"}});
    return ScriptedResponse::error(409, "transaction-exists", "already claimed");
  });
  server_.set_default("/transact", ScriptedResponse::json(200, {{"state", "finished"}}));

  Client client(server_options());
  Tally tally;
  client.on("f6", [&](const Message& m) { tally.add(m.key); });
  ASSERT_TRUE(tally.wait_for_total(1, 10s));
  ASSERT_TRUE(server_.wait_for_requests(1, 10s, "/transact"));
  ASSERT_TRUE(server_.wait_for_requests(3, 10s, "/query"));  // a few more polls went by
  client.close();
  EXPECT_EQ(tally.counts(), (std::map<std::string, int>{{mine, 1}}));
  EXPECT_EQ(server_.request_count("/init"), 3u);
  EXPECT_EQ(client.metrics().claims_lost, 2u);
  for (const auto& e : errors_.errors()) {
    EXPECT_NE(e.kind, ListenerError::Kind::claim) << e.message;  // losing a race is no error
  }
}

// F8: a throwing handler: the transaction is recorded failed with the error text and the
// loop keeps going.
TEST_F(FaultTest, F8_ThrowingHandlerIsRecordedFailedAndTheLoopLives) {
  Client client(fast_options());
  Tally tally;
  client.on("f8", [&](const Message& m) {
    tally.add(m.key);
    if (m.payload.at("fail").get<bool>()) throw std::invalid_argument("no such customer");
  });
  const auto bad = client.emit("f8", {{"fail", true}}).key;
  ASSERT_TRUE(tally.wait_for_total(1));
  const auto good = client.emit("f8", {{"fail", false}}).key;
  ASSERT_TRUE(tally.wait_for_total(2));
  client.close();
  const auto failed = emulator_.transaction(bad, buildable::kDefaultTxKey);
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_EQ(failed["output"], "no such customer");
  EXPECT_EQ(emulator_.transaction(good, buildable::kDefaultTxKey)["state"], "finished");
  ASSERT_TRUE(errors_.wait_for_kind(ListenerError::Kind::handler));
}

}  // namespace
}  // namespace fault_test
