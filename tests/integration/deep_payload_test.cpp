// JSON nested beyond the SDK's limit (511 levels for a value it sends, the value itself being
// level 1) against a real server: refused before anything is sent, for emit(), emit_async()
// and a handler's result, instead of overflowing the stack in nlohmann's recursive dump();
// exactly at the limit it goes through.
#include <gtest/gtest.h>

#include <atomic>
#include <buildable/client.hpp>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "integration_helpers.hpp"
#include "nested_json.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::size_t kLimit = 511;

using buildable::testing::nested_objects;

/// How many objects `value` nests along its `"a"` chain (iterative).
std::size_t chain_depth(const json& value) {
  std::size_t depth = 0;
  const json* current = &value;
  while (current->is_object()) {
    ++depth;
    const auto next = current->find("a");
    if (next == current->end()) break;
    current = &*next;
  }
  return depth;
}

class DeepPayloadTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(DeepPayloadTest, EmitOfAPayload200000LevelsDeepIsInvalidArgumentAndSendsNothing) {
  Client client(options_for(server));
  const json deep = nested_objects(200'000);
  const auto error = capture<InvalidArgument>([&] { client.emit("deep", deep); });
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what()).find("deeper than 511 levels"), std::string::npos)
      << error->what();
  EXPECT_EQ(server.request_count(), 0u);
  EXPECT_EQ(client.metrics().emit_failures, 0u) << "a caller mistake is not a failed emit";
}

TEST_F(DeepPayloadTest, EmitAsyncOfAPayload200000LevelsDeepThrowsRightAwayAndSendsNothing) {
  Client client(options_for(server));
  const json deep = nested_objects(200'000);
  EXPECT_THROW((void)client.emit_async("deep", deep), InvalidArgument);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST_F(DeepPayloadTest, PayloadExactlyAtTheLimitIsSentIntact) {
  Client client(options_for(server));
  const EmitResult result = client.emit("deep", nested_objects(kLimit));
  EXPECT_EQ(result.attempts, 1);
  auto future = client.emit_async("deep", nested_objects(kLimit));
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_EQ(future.get().attempts, 1);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    const json body = request.json();
    ASSERT_TRUE(body.is_object()) << "the body did not parse";
    EXPECT_EQ(chain_depth(body.at("payload")), kLimit);
  }
  EXPECT_THROW(client.emit("deep", nested_objects(kLimit + 1)), InvalidArgument);
  EXPECT_EQ(server.request_count(), 2u);
}

/// A listener's handler returning a value of a given depth: the result the SDK records.
class DeepResultTest : public DeepPayloadTest {
 protected:
  void SetUp() override {
    server.set_handler("/query", [this](const RecordedRequest&) {
      // One message on the first poll, none afterwards.
      return ScriptedResponse::raw(
          200, queries_++ == 0 ? R"({"rows":[{"key":"k-deep","eventName":"deep","payload":"{}"}]})"
                               : R"({"rows":[]})");
    });
    server.set_default("/init", ScriptedResponse::json(200, json::object()));
    server.set_default("/transact", ScriptedResponse::json(200, json::object()));
  }

  ClientOptions listening_options() {
    ClientOptions options = options_for(server);
    options.poll_interval = 50ms;
    options.on_error = [this](const ListenerError& error) {
      std::lock_guard lock(mutex_);
      errors_.push_back(error);
    };
    return options;
  }

  /// The body of the one /transact request, once it arrived.
  json recorded() const {
    if (!server.wait_for_requests(1, 10s, "/transact")) return json();
    for (const auto& request : server.requests()) {
      if (request.path == "/transact") return request.json();
    }
    return json();
  }

  std::vector<ListenerError> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }

  std::atomic<int> queries_{0};
  mutable std::mutex mutex_;
  std::vector<ListenerError> errors_;
};

TEST_F(DeepResultTest, AResult200000LevelsDeepIsRecordedFailedInsteadOfCrashing) {
  Client client(listening_options());
  client.on("deep", [](const Message&) { return nested_objects(200'000); });
  const json body = recorded();
  ASSERT_TRUE(body.is_object()) << "no /transact arrived";
  client.close();

  EXPECT_EQ(body.value("key", ""), "k-deep");
  EXPECT_EQ(body.value("state", ""), "failed");
  EXPECT_NE(body.value("output", "").find("deeper than 511 levels"), std::string::npos) << body;
  bool reported = false;
  for (const auto& error : errors()) {
    reported =
        reported || (error.kind == ListenerError::Kind::handler && error.message_key == "k-deep" &&
                     error.message.find("deeper than 511 levels") != std::string::npos);
  }
  EXPECT_TRUE(reported) << "on_error did not hear of the unrecordable result";
}

TEST_F(DeepResultTest, AResultHoldingADiscardedValueIsRecordedFailedNotSentAsInvalidJson) {
  Client client(listening_options());
  client.on("deep", [](const Message&) {
    return json{{"parsed", json::parse("{not json", nullptr, /*allow_exceptions=*/false)}};
  });
  const json body = recorded();
  ASSERT_TRUE(body.is_object()) << "no valid /transact arrived";
  client.close();
  EXPECT_EQ(body.value("state", ""), "failed");
  EXPECT_NE(body.value("output", "").find("discarded value"), std::string::npos) << body;
}

TEST_F(DeepResultTest, AResultOverMaxBodyBytesIsRecordedFailedInsteadOfRefused) {
  // The service would answer 413 to the record, leaving the message `processing`.
  ClientOptions options = listening_options();
  options.max_body_bytes = 64 * 1024;
  Client client(options);
  client.on("deep", [](const Message&) { return json{{"blob", std::string(100'000, 'x')}}; });
  const json body = recorded();
  ASSERT_TRUE(body.is_object()) << "no /transact arrived";
  client.close();

  EXPECT_EQ(body.value("state", ""), "failed");
  EXPECT_NE(body.value("output", "").find("over max_body_bytes (65536)"), std::string::npos)
      << body.dump().substr(0, 300);
  bool reported = false;
  for (const auto& error : errors()) {
    reported = reported || (error.kind == ListenerError::Kind::handler &&
                            error.message.find("over max_body_bytes") != std::string::npos);
  }
  EXPECT_TRUE(reported) << "on_error did not hear of the unrecordable result";
}

TEST_F(DeepResultTest, AResultExactlyAtTheLimitIsRecordedFinished) {
  Client client(listening_options());
  client.on("deep", [](const Message&) { return nested_objects(kLimit); });
  const json body = recorded();
  ASSERT_TRUE(body.is_object()) << "no /transact arrived";
  client.close();

  EXPECT_EQ(body.value("state", ""), "finished");
  ASSERT_TRUE(body.contains("output"));
  EXPECT_EQ(chain_depth(body.at("output")), kLimit);
  EXPECT_TRUE(errors().empty());
}

TEST_F(DeepResultTest, ATypedHandlersDeepResultIsRecordedFailed) {
  Client client(listening_options());
  client.on<json>("deep", [](const json&) { return nested_objects(kLimit + 1); });
  const json body = recorded();
  ASSERT_TRUE(body.is_object()) << "no /transact arrived";
  client.close();
  EXPECT_EQ(body.value("state", ""), "failed");
}

}  // namespace
}  // namespace buildable::testing
