// emit()'s retry policy against a real server: what is retried, how long it waits, what bounds
// the attempts.
#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <ctime>
#include <string>

#include "connect_counter.hpp"
#include "integration_helpers.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

/// `when` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
std::string http_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return text;
}

std::chrono::milliseconds gap(const RecordedRequest& first, const RecordedRequest& second) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(second.received_at -
                                                               first.received_at);
}

class EmitRetryTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(EmitRetryTest, Unavailable503ThenSuccessTakesTwoAttempts) {
  const std::string key = TestServer::make_key();
  server.enqueue("/emit", ScriptedResponse::error(503, "unavailable", "try later"));
  server.enqueue("/emit", ScriptedResponse::emit_success(key));
  Client client(options_for(server));

  const EmitResult result = client.emit("e", {{"n", 1}});
  EXPECT_EQ(result.key, key);
  EXPECT_EQ(result.attempts, 2);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);  // the same request, sent again
  EXPECT_EQ(requests[1].header("X-Buildable-Secret"), std::optional<std::string>(kTestSecret));
}

TEST_F(EmitRetryTest, RateLimitedRetryAfterSecondsIsHonoured) {
  server.enqueue(
      "/emit",
      ScriptedResponse::error(429, "rate-limited", "slow down").with_header("Retry-After", "1"));
  ClientOptions options = options_for(server);
  options.retry.max_backoff = 3s;  // Retry-After above max_backoff would give up instead
  Client client(options);

  Stopwatch stopwatch;
  const EmitResult result = client.emit("e", json::object());
  EXPECT_EQ(result.attempts, 2);
  EXPECT_GE(stopwatch.elapsed(), 950ms);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(gap(requests[0], requests[1]), 950ms);
}

TEST_F(EmitRetryTest, RateLimitedRetryAfterHttpDateIsHonoured) {
  // The date has whole seconds, so "now + 2 s" asks for a wait of more than 1 s.
  const std::string date = http_date(std::chrono::system_clock::now() + 2s);
  server.enqueue(
      "/emit",
      ScriptedResponse::error(429, "rate-limited", "slow down").with_header("Retry-After", date));
  ClientOptions options = options_for(server);
  options.retry.max_backoff = 5s;
  Client client(options);

  const EmitResult result = client.emit("e", json::object());
  EXPECT_EQ(result.attempts, 2);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(gap(requests[0], requests[1]), 900ms) << "Retry-After: " << date;
}

TEST_F(EmitRetryTest, RetryAfterLongerThanMaxBackoffGivesUpAtOnce) {
  server.enqueue("/emit", ScriptedResponse::error(429, "rate-limited", "come back in an hour")
                              .with_header("Retry-After", "3600"));
  ClientOptions options = options_for(server);
  options.retry.max_backoff = 1s;
  Client client(options);

  Stopwatch stopwatch;
  const auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 429);
  EXPECT_LT(stopwatch.elapsed(), 5s);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(EmitRetryTest, RetryAfterWithElevenDigitsGivesUpAfterOneAttempt) {
  // Used to be read as "no Retry-After": the emit was retried within milliseconds and the
  // built-in fallback's 200 made it succeed.
  server.enqueue("/emit", ScriptedResponse::error(429, "rate-limited", "come back much later")
                              .with_header("Retry-After", "99999999999"));
  Client client(options_for(server));

  const auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 429);
  EXPECT_EQ(server.request_count("/emit"), 1u);
}

TEST_F(EmitRetryTest, AsyncRetryAfterWithElevenDigitsGivesUpAfterOneAttempt) {
  server.enqueue("/emit", ScriptedResponse::error(429, "rate-limited", "come back much later")
                              .with_header("Retry-After", "99999999999"));
  Client client(options_for(server));

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  const auto error = capture<HttpError>([&] { future.get(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 429);
  EXPECT_EQ(server.request_count("/emit"), 1u);
}

TEST_F(EmitRetryTest, AsyncRateLimitedRetryAfterIsHonoured) {
  server.enqueue(
      "/emit",
      ScriptedResponse::error(429, "rate-limited", "slow down").with_header("Retry-After", "1"));
  ClientOptions options = options_for(server);
  options.retry.max_backoff = 3s;
  Client client(options);

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_EQ(future.get().attempts, 2);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(gap(requests[0], requests[1]), 950ms);
}

TEST_F(EmitRetryTest, ServerErrorIsNotRetriedByDefault) {
  for (int status : {500, 502, 504}) {
    SCOPED_TRACE(status);
    server.clear_requests();
    server.enqueue("/emit", ScriptedResponse::error(status, "server-error", "maybe stored"));
    Client client(options_for(server));
    const auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->status(), status);
    EXPECT_EQ(server.request_count(), 1u);
  }
}

TEST_F(EmitRetryTest, ServerErrorIsRetriedWhenUnsureRetriesAreAllowed) {
  server.enqueue("/emit", ScriptedResponse::error(500, "internal", "boom"));
  server.enqueue("/emit", ScriptedResponse::error(502, "bad-gateway", "boom"));
  server.enqueue("/emit", ScriptedResponse::error(504, "gateway-timeout", "boom"));
  ClientOptions options = options_for(server);
  options.retry.retry_emit_when_unsure = true;
  Client client(options);

  const EmitResult result = client.emit("e", json::object());
  EXPECT_EQ(result.attempts, 4);
  EXPECT_EQ(server.request_count(), 4u);
}

TEST_F(EmitRetryTest, DroppedConnectionIsRetriedOnlyWhenUnsureRetriesAreAllowed) {
  server.enqueue("/emit", ScriptedResponse::drop());
  ClientOptions options = options_for(server);
  options.retry.retry_emit_when_unsure = true;
  Client client(options);

  const EmitResult result = client.emit("e", json::object());
  EXPECT_GE(result.attempts, 2);
  EXPECT_EQ(server.request_count(), 2u);
}

TEST_F(EmitRetryTest, MaxAttemptsBoundsWhatTheServerSees) {
  server.set_default("/emit", ScriptedResponse::error(503, "unavailable", "down"));
  ClientOptions options = options_for(server);
  options.retry.max_attempts = 3;
  Client client(options);

  const auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 503);
  EXPECT_EQ(error->name(), "unavailable");
  EXPECT_EQ(server.request_count(), 3u);

  server.clear_requests();
  options.retry.max_attempts = 1;
  Client single(options);
  EXPECT_TRUE(capture<HttpError>([&] { single.emit("e", json::object()); }));
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(EmitRetryTest, MaxTotalTimeStopsRetryingEarly) {
  server.set_default("/emit", ScriptedResponse::error(503, "unavailable", "down"));
  ClientOptions options = options_for(server);
  options.retry.max_attempts = 1000;
  options.retry.initial_backoff = 40ms;
  options.retry.max_backoff = 40ms;
  options.retry.multiplier = 1.0;
  options.retry.max_total_time = 300ms;
  Client client(options);

  Stopwatch stopwatch;
  const auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 503);
  // No retry starts after 300 ms: the call ends within that plus one (fast) attempt.
  EXPECT_LT(stopwatch.elapsed(), 2s);
  EXPECT_GE(server.request_count(), 1u);
  EXPECT_LT(server.request_count(), 1000u);
}

TEST(EmitRetryRefusedTest, ConnectionRefusedIsRetriedThenGivesUpAfterMaxAttempts) {
  const int port = unused_port();
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  options.retry.max_attempts = 3;
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 10ms;
  Client client(options);

  const std::size_t before = connect_attempts(port);
  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->maybe_sent());
  EXPECT_EQ(connect_attempts(port) - before, 3u);

  // A fresh client: the failures above spent part of the first one's retry budget.
  Client async_client(options);
  const std::size_t before_async = connect_attempts(port);
  auto future = async_client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  const auto async_error = capture<TransportError>([&] { future.get(); });
  ASSERT_TRUE(async_error);
  EXPECT_FALSE(async_error->maybe_sent());
  EXPECT_EQ(connect_attempts(port) - before_async, 3u);
}

// The client-wide retry budget (gRPC-style throttling, src/detail/retry_budget.hpp): with
// the defaults, retries stop after five failed attempts in a row, whatever max_attempts says,
// and come back as attempts succeed again.
TEST_F(EmitRetryTest, RetryBudgetStopsRetryingWhileMostAttemptsFail) {
  server.set_default("/emit", ScriptedResponse::error(503, "unavailable", "down"));
  ClientOptions options = options_for(server);
  options.retry.max_attempts = 10;
  Client client(options);

  EXPECT_TRUE(capture<HttpError>([&] { client.emit("e", json::object()); }));
  EXPECT_EQ(server.request_count(), 5u);
  server.clear_requests();
  EXPECT_TRUE(capture<HttpError>([&] { client.emit("e", json::object()); }));
  EXPECT_EQ(server.request_count(), 1u) << "the spent budget still allowed a retry";

  // Successes refill the budget: retries resume.
  server.set_default("/emit", ScriptedResponse::emit_success(TestServer::make_key()));
  for (int i = 0; i < 20; ++i)
    client.emit("ok", json::object());
  server.enqueue("/emit", ScriptedResponse::error(503, "unavailable", "blip"));
  EXPECT_EQ(client.emit("e", json::object()).attempts, 2);
}

TEST_F(EmitRetryTest, AsyncRetriesLikeBlocking) {
  const std::string key = TestServer::make_key();
  server.enqueue("/emit", ScriptedResponse::error(503, "unavailable", "down"));
  server.enqueue("/emit", ScriptedResponse::error(429, "rate-limited", "slow"));
  server.enqueue("/emit", ScriptedResponse::emit_success(key));
  Client client(options_for(server));

  auto future = client.emit_async("e", {{"n", 1}});
  ASSERT_TRUE(ready_within(future, 10s));
  const EmitResult result = future.get();
  EXPECT_EQ(result.key, key);
  EXPECT_EQ(result.attempts, 3);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, requests[2].body);
}

TEST_F(EmitRetryTest, AsyncHonoursMaxAttemptsAndDoesNotRetryServerErrors) {
  server.set_default("/emit", ScriptedResponse::error(503, "unavailable", "down"));
  ClientOptions options = options_for(server);
  options.retry.max_attempts = 3;
  Client client(options);

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  const auto error = capture<HttpError>([&] { future.get(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 503);
  EXPECT_EQ(server.request_count(), 3u);

  server.clear_requests();
  server.set_default("/emit", ScriptedResponse::error(500, "internal", "boom"));
  auto second = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(second, 10s));
  EXPECT_TRUE(capture<HttpError>([&] { second.get(); }));
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(EmitRetryTest, LastAttemptSendsTheFullBody) {
  // The body is moved into the last attempt; it must still be the whole body.
  server.enqueue("/emit", ScriptedResponse::error(503, "unavailable", "down"), 2);
  ClientOptions options = options_for(server);
  options.retry.max_attempts = 3;
  Client client(options);

  const json payload = {{"data", std::string(5000, 'x')}};
  EXPECT_EQ(client.emit("e", payload).attempts, 3);
  server.enqueue("/emit", ScriptedResponse::error(503, "unavailable", "down"), 2);
  auto future = client.emit_async("e", payload);
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_EQ(future.get().attempts, 3);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 6u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.json(), (json{{"event", "e"}, {"payload", payload}}));
  }
}

}  // namespace
}  // namespace buildable::testing
