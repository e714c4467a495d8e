// Caller mistakes, close(), and the secret never leaking through errors or logs.
#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "integration_helpers.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct ListPayload {
  std::vector<int> values;
};
void to_json(json& j, const ListPayload& p) {
  j = p.values;
}  // an array: not a valid payload

class EmitValidationTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(EmitValidationTest, CallerMistakesThrowInvalidArgumentAndSendNothing) {
  ClientOptions options = options_for(server);
  options.max_body_bytes = 200;
  Client client(options);

  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("", json::object()); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("e", json::array({1, 2})); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("e", json("text")); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("e", json(nullptr)); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("e", json(42)); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("e", ListPayload{{1, 2}}); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] {
    client.emit("e", {{"data", std::string(300, 'x')}});
  }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("bad\nname", json::object()); }));

  // emit_async reports caller mistakes by throwing right away, not through the future.
  EXPECT_TRUE(capture<InvalidArgument>([&] { (void)client.emit_async("", json::object()); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] { (void)client.emit_async("e", json::array()); }));
  EXPECT_TRUE(capture<InvalidArgument>([&] {
    (void)client.emit_async("e", {{"data", std::string(300, 'x')}});
  }));

  // A valid emit afterwards is the only request the server ever sees.
  client.emit("e", {{"data", "small"}});
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].json()["payload"], (json{{"data", "small"}}));
}

TEST_F(EmitValidationTest, BodyExactlyAtTheLimitIsSent) {
  const json payload = {{"d", "x"}};
  const std::size_t size =
      (json{{"event", "e"}, {"payload", payload}}).dump().size();  // compact, as sent
  ClientOptions options = options_for(server);
  options.max_body_bytes = size;
  Client client(options);
  client.emit("e", payload);
  EXPECT_TRUE(capture<InvalidArgument>([&] { client.emit("e", {{"d", "xx"}}); }));
  EXPECT_EQ(server.request_count(), 1u);
}

class EmitCloseTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(EmitCloseTest, EmitAfterCloseThrowsClosedErrorAndSendsNothing) {
  Client client(options_for(server));
  client.emit("e", json::object());
  client.close();
  client.close();  // idempotent

  EXPECT_TRUE(capture<ClosedError>([&] { client.emit("e", json::object()); }));
  EXPECT_TRUE(capture<ClosedError>([&] {
    auto future = client.emit_async("e", json::object());
    ASSERT_TRUE(ready_within(future, 5s));
    future.get();
  }));
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(EmitCloseTest, CloseWithoutAnyEmitIsPrompt) {
  Client client(options_for(server));
  Stopwatch stopwatch;
  client.close();
  EXPECT_LT(stopwatch.elapsed(), 5s);
  EXPECT_TRUE(capture<ClosedError>([&] { client.emit("e", json::object()); }));
}

TEST_F(EmitCloseTest, PendingAsyncEmitFailsAndCloseIsPromptWhileServerHangs) {
  server.set_default("/emit", ScriptedResponse::delayed(
                                  60s, ScriptedResponse::emit_success(TestServer::make_key())));
  ClientOptions options = options_for(server);
  options.request_timeout = 30s;  // close() must not wait for it
  Client client(options);

  std::vector<std::future<EmitResult>> futures;
  for (int i = 0; i < 5; ++i)
    futures.push_back(client.emit_async("e", {{"i", i}}));
  ASSERT_TRUE(server.wait_for_requests(5, 10s));

  Stopwatch stopwatch;
  client.close();
  EXPECT_LT(stopwatch.elapsed(), 5s) << "close() waited for the hanging server";

  for (auto& future : futures) {
    ASSERT_TRUE(ready_within(future, 5s));
    try {
      future.get();
      ADD_FAILURE() << "a pending emit succeeded although the server never answered";
    } catch (const ClosedError&) {
    } catch (const TransportError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected exception " << typeid(e).name() << ": " << e.what();
    }
  }
  server.release_delays();
}

TEST_F(EmitCloseTest, BlockingEmitInFlightIsAbortedByClose) {
  server.set_default("/emit", ScriptedResponse::delayed(
                                  60s, ScriptedResponse::emit_success(TestServer::make_key())));
  ClientOptions options = options_for(server);
  options.request_timeout = 30s;
  Client client(options);

  auto blocked = std::async(std::launch::async, [&] { client.emit("e", json::object()); });
  ASSERT_TRUE(server.wait_for_requests(1, 10s));

  Stopwatch stopwatch;
  client.close();
  EXPECT_LT(stopwatch.elapsed(), 5s);
  ASSERT_TRUE(ready_within(blocked, 5s)) << "emit() still blocked after close()";
  try {
    blocked.get();
    ADD_FAILURE() << "emit succeeded although the server never answered";
  } catch (const ClosedError&) {
  } catch (const TransportError&) {
  }
  server.release_delays();
}

TEST_F(EmitCloseTest, EmitWaitingToRetryIsWokenByClose) {
  // 503 asking to come back in 3 s: the emit sleeps, close() must end that sleep.
  server.set_default(
      "/emit",
      ScriptedResponse::error(503, "unavailable", "later").with_header("Retry-After", "3"));
  ClientOptions options = options_for(server);
  options.retry.max_backoff = 10s;
  Client client(options);

  auto blocked = std::async(std::launch::async, [&] { client.emit("e", json::object()); });
  auto pending = client.emit_async("e", json::object());
  ASSERT_TRUE(server.wait_for_requests(2, 10s));

  Stopwatch stopwatch;
  client.close();
  EXPECT_LT(stopwatch.elapsed(), 2500ms);
  ASSERT_TRUE(ready_within(blocked, 2500ms)) << "emit() kept sleeping after close()";
  EXPECT_TRUE(capture<ClosedError>([&] { blocked.get(); }));
  ASSERT_TRUE(ready_within(pending, 2500ms)) << "emit_async() kept waiting after close()";
  EXPECT_TRUE(capture<ClosedError>([&] { pending.get(); }));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST_F(EmitCloseTest, DestroyingClientWithPendingAsyncEmitsSettlesThem) {
  server.set_default("/emit", ScriptedResponse::delayed(
                                  60s, ScriptedResponse::emit_success(TestServer::make_key())));
  std::future<EmitResult> future;
  Stopwatch stopwatch;
  {
    Client client(options_for(server));
    future = client.emit_async("e", json::object());
    ASSERT_TRUE(server.wait_for_requests(1, 10s));
  }
  EXPECT_LT(stopwatch.elapsed(), 10s);
  ASSERT_TRUE(ready_within(future, 1s));
  EXPECT_THROW(future.get(), Error);
  server.release_delays();
}

// --- Secret canary ------------------------------------------------------------------------

constexpr const char* kCanary = "CANARY-5ecret-9f8e7d6c5b4a";

bool contains_canary(const std::string& text) {
  return text.find(kCanary) != std::string::npos;
}

class EmitSecretTest : public ::testing::Test {
 protected:
  ClientOptions canary_options() {
    ClientOptions options = options_for(server, kCanary);
    options.logger = log.handler();
    options.request_timeout = 500ms;
    return options;
  }
  void expect_no_canary_in(const std::exception& e) {
    EXPECT_FALSE(contains_canary(e.what())) << e.what();
    if (const auto* http = dynamic_cast<const HttpError*>(&e)) {
      EXPECT_FALSE(contains_canary(http->name())) << http->name();
      EXPECT_FALSE(contains_canary(http->server_message())) << http->server_message();
    }
  }
  void expect_emit_fails_cleanly(Client& client) {
    int caught = 0;
    try {
      client.emit("e", json::object());
    } catch (const std::exception& e) {
      ++caught;
      expect_no_canary_in(e);
    }
    auto future = client.emit_async("e", json::object());
    ASSERT_TRUE(ready_within(future, 10s));
    try {
      future.get();
    } catch (const std::exception& e) {
      ++caught;
      expect_no_canary_in(e);
    }
    EXPECT_EQ(caught, 2) << "the emits were expected to fail";
  }

  TestServer server;
  LogCapture log;
};

TEST_F(EmitSecretTest, ServerEchoingTheSecretDoesNotLeakIt) {
  const std::string echoed = std::string("unknown secret '") + kCanary + "'";
  server.set_default("/emit", ScriptedResponse::error(401, "invalid-secret", echoed));
  {
    Client client(canary_options());
    expect_emit_fails_cleanly(client);
  }
  // The secret did reach the server, where it belongs.
  const auto requests = server.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].header("X-Buildable-Secret"), std::optional<std::string>(kCanary));

  server.set_default("/emit", ScriptedResponse::error(400, std::string("bad-") + kCanary,
                                                      kCanary + std::string(kCanary)));
  {
    Client client(canary_options());
    expect_emit_fails_cleanly(client);
  }
  server.set_default("/emit",
                     ScriptedResponse::raw(502, std::string("proxy saw ") + kCanary, "text/plain"));
  {
    ClientOptions options = canary_options();
    options.retry.retry_emit_when_unsure = true;  // also through the retry path
    Client client(options);
    expect_emit_fails_cleanly(client);
  }
  server.set_default("/emit",
                     ScriptedResponse::raw(200, std::string("{\"oops\":\"") + kCanary + "\"}"));
  {
    Client client(canary_options());
    expect_emit_fails_cleanly(client);
  }
  for (const auto& line : log.lines())
    EXPECT_FALSE(contains_canary(line)) << line;
}

TEST_F(EmitSecretTest, FailingTransportDoesNotLeakTheSecret) {
  {  // refused
    ClientOptions options = canary_options();
    options.base_url = "http://127.0.0.1:" + std::to_string(unused_port());
    options.retry.max_attempts = 2;
    Client client(options);
    expect_emit_fails_cleanly(client);
  }
  {  // dropped without an answer
    server.set_default("/emit", ScriptedResponse::drop());
    Client client(canary_options());
    expect_emit_fails_cleanly(client);
  }
  {  // timed out
    server.set_default("/emit", ScriptedResponse::delayed(10s, ScriptedResponse{}));
    Client client(canary_options());
    expect_emit_fails_cleanly(client);
    server.release_delays();
  }
  {  // closed
    Client client(canary_options());
    client.close();
    expect_emit_fails_cleanly(client);
  }
  for (const auto& line : log.lines())
    EXPECT_FALSE(contains_canary(line)) << line;

  std::ostringstream printed;
  printed << canary_options();
  EXPECT_FALSE(contains_canary(printed.str())) << printed.str();
}

}  // namespace
}  // namespace buildable::testing
