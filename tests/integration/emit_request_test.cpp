// What emit() puts on the wire, what it returns, async emits, and connection reuse.
#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <buildable/version.hpp>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "integration_helpers.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct UserCreated {
  std::string id;
  int age = 0;
};

void to_json(json& j, const UserCreated& u) {
  j = json{{"id", u.id}, {"age", u.age}};
}

class EmitRequestTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(EmitRequestTest, PostsEventAndPayloadToEmitWithHeaders) {
  const std::string key = TestServer::make_key();
  server.enqueue("/emit", ScriptedResponse::emit_success(key));
  Client client(options_for(server));

  const json payload = {{"user", {{"id", 42}, {"name", "Ada"}}}, {"tags", {"a", "b"}}};
  const EmitResult result = client.emit("user.created", payload);

  EXPECT_EQ(result.key, key);
  EXPECT_EQ(result.attempts, 1);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/emit");
  EXPECT_EQ(request.header("X-Buildable-Secret"), std::optional<std::string>(kTestSecret));
  const auto content_type = request.header("Content-Type");
  ASSERT_TRUE(content_type.has_value());
  EXPECT_EQ(content_type->rfind("application/json", 0), 0u) << *content_type;
  EXPECT_EQ(request.header("User-Agent"),
            std::optional<std::string>(std::string("buildable-cpp/") + kVersion));
  const json body = request.json();
  ASSERT_TRUE(body.is_object()) << request.body;
  EXPECT_EQ(body, (json{{"event", "user.created"}, {"payload", payload}}));
}

TEST_F(EmitRequestTest, EmptyObjectPayloadAndUnicodeAreSentVerbatim) {
  Client client(options_for(server));
  client.emit("a.b.c", json::object());
  client.emit("ünïcode.event", {{"text", "日本語 \"quoted\"\n"}});

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].json(), (json{{"event", "a.b.c"}, {"payload", json::object()}}));
  EXPECT_EQ(requests[1].json(),
            (json{{"event", "ünïcode.event"}, {"payload", {{"text", "日本語 \"quoted\"\n"}}}}));
}

TEST_F(EmitRequestTest, BaseUrlPathPrefixIsKept) {
  {
    ClientOptions options = options_for(server);
    options.base_url = server.base_url() + "/prefix/v1";
    Client client(options);
    EXPECT_EQ(client.emit("e", json::object()).key.size(), 32u);
  }
  {
    ClientOptions options = options_for(server);
    options.base_url = server.base_url() + "/gateway/";  // trailing slash
    Client client(options);
    client.emit("e", json::object());
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/prefix/v1/emit");
  EXPECT_EQ(requests[1].path, "/gateway/emit");
}

TEST_F(EmitRequestTest, CustomUserAgent) {
  ClientOptions options = options_for(server);
  options.user_agent = "my-service/3.1 (tests)";
  Client client(options);
  client.emit("e", json::object());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].header("User-Agent"), std::optional<std::string>("my-service/3.1 (tests)"));
}

TEST_F(EmitRequestTest, UserStructWithToJson) {
  Client client(options_for(server));
  const EmitResult result = client.emit("user.created", UserCreated{"u-1", 36});
  EXPECT_EQ(result.key.size(), 32u);

  auto future = client.emit_async("user.created", UserCreated{"u-2", 7});
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_EQ(future.get().attempts, 1);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].json()["payload"], (json{{"id", "u-1"}, {"age", 36}}));
  EXPECT_EQ(requests[1].json()["payload"], (json{{"id", "u-2"}, {"age", 7}}));
}

TEST_F(EmitRequestTest, EmitAsyncYieldsKeyAndSendsSameRequest) {
  const std::string key = TestServer::make_key();
  server.enqueue("/emit", ScriptedResponse::emit_success(key));
  Client client(options_for(server));

  auto future = client.emit_async("order.paid", {{"amount", 12.5}});
  ASSERT_TRUE(ready_within(future, 10s));
  const EmitResult result = future.get();
  EXPECT_EQ(result.key, key);
  EXPECT_EQ(result.attempts, 1);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/emit");
  EXPECT_EQ(requests[0].header("X-Buildable-Secret"), std::optional<std::string>(kTestSecret));
  EXPECT_EQ(requests[0].json(), (json{{"event", "order.paid"}, {"payload", {{"amount", 12.5}}}}));
}

TEST(EmitAsyncManyTest, TwoHundredInFlightAllSucceedWithDistinctKeys) {
  TestServer::Options server_options;
  server_options.threads = 32;
  TestServer server(server_options);
  // Hold each answer a little so that many emits really are in flight at once.
  server.set_handler("/emit", [](const RecordedRequest&) {
    auto response = ScriptedResponse::emit_success(TestServer::make_key());
    response.delay = 20ms;
    return response;
  });
  ClientOptions options = options_for(server);
  Client client(options);

  constexpr int kCount = 200;
  std::vector<std::future<EmitResult>> futures;
  futures.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    futures.push_back(client.emit_async("bulk.event", {{"i", i}}));
  }
  std::set<std::string> keys;
  for (auto& future : futures) {
    ASSERT_TRUE(ready_within(future, 15s));
    const EmitResult result = future.get();
    EXPECT_EQ(result.attempts, 1);
    EXPECT_EQ(result.key.size(), 32u);
    keys.insert(result.key);
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kCount));

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), static_cast<std::size_t>(kCount));
  std::set<int> sent;
  for (const auto& request : requests)
    sent.insert(request.json()["payload"]["i"].get<int>());
  EXPECT_EQ(sent.size(), static_cast<std::size_t>(kCount));  // each emit sent exactly once
  // They share the client's pool: never more connections than max_connections.
  EXPECT_LE(server.remote_ports().size(), static_cast<std::size_t>(options.max_connections));
  EXPECT_GE(server.remote_ports().size(), 2u) << "the async emits were not concurrent";
}

TEST_F(EmitRequestTest, ThousandSequentialEmitsRideOneConnection) {
  Client client(options_for(server));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(client.emit("seq.event", {{"i", i}}).attempts, 1);
  }
  EXPECT_EQ(server.request_count("/emit"), 1000u);
  EXPECT_EQ(server.remote_ports().size(), 1u);
}

TEST_F(EmitRequestTest, SequentialEmitsFromSeveralClientsUseOneConnectionEach) {
  Client first(options_for(server));
  Client second(options_for(server));
  for (int i = 0; i < 50; ++i) {
    first.emit("a", json::object());
    second.emit("b", json::object());
  }
  std::set<int> first_ports;
  std::set<int> second_ports;
  for (const auto& request : server.requests()) {
    (request.json()["event"] == "a" ? first_ports : second_ports).insert(request.remote_port);
  }
  EXPECT_EQ(first_ports.size(), 1u);
  EXPECT_EQ(second_ports.size(), 1u);
}

TEST_F(EmitRequestTest, LargeBodyJustUnderTheLimitArrivesIntact) {
  ClientOptions options = options_for(server);
  Client client(options);
  std::string text(options.max_body_bytes - 200, 'a');
  for (std::size_t i = 0; i < text.size(); i += 7)
    text[i] = static_cast<char>('a' + i % 26);
  const json payload = {{"blob", text}};

  EXPECT_EQ(client.emit("big", payload).attempts, 1);
  auto future = client.emit_async("big", payload);
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_EQ(future.get().attempts, 1);
  client.emit("small", json::object());  // the handle is reusable after a large body

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  const json expected = {{"event", "big"}, {"payload", payload}};
  EXPECT_EQ(requests[0].body.size(), expected.dump().size());
  EXPECT_EQ(requests[0].json(), expected);
  EXPECT_EQ(requests[1].json(), expected);
  EXPECT_EQ(requests[2].json(), (json{{"event", "small"}, {"payload", json::object()}}));
}

// The server closes an idle keep-alive connection; the next emit must notice before sending and
// open a new connection, not fail (and not be sent twice).
TEST(EmitStaleConnectionTest, EmitAfterServerClosedIdleConnectionSucceeds) {
  TestServer::Options server_options;
  server_options.keep_alive_timeout_s = 1;
  TestServer server(server_options);
  Client client(options_for(server));

  client.emit("first", json::object());
  ASSERT_TRUE(wait_until([&] { return server.open_connections() == 0; }, 10s))
      << "the server never closed the idle connection";
  EXPECT_EQ(client.emit("second", json::object()).attempts, 1);

  auto warm = client.emit_async("third", json::object());
  ASSERT_TRUE(ready_within(warm, 10s));
  warm.get();
  ASSERT_TRUE(wait_until([&] { return server.open_connections() == 0; }, 10s));
  auto future = client.emit_async("fourth", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_EQ(future.get().attempts, 1);

  EXPECT_EQ(server.request_count(), 4u);
  EXPECT_EQ(server.remote_ports().size(), 4u);
}

}  // namespace
}  // namespace buildable::testing
