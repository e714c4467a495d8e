// How emit() reports failures: HTTP statuses, malformed answers, transport failures.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <buildable/client.hpp>
#include <ostream>
#include <string>

#include "detail/transport/transport_config.hpp"
#include "integration_helpers.hpp"
#include "raw_server.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

ClientOptions without_retries(const TestServer& server) {
  ClientOptions options = options_for(server);
  options.retry.max_attempts = 1;
  return options;
}

struct StatusCase {
  int status;
  const char* name;
  const char* message;
};

void PrintTo(const StatusCase& c, std::ostream* os) {
  *os << c.status << " " << c.name;
}

class EmitHttpErrorTest : public ::testing::TestWithParam<StatusCase> {
 protected:
  TestServer server;
};

TEST_P(EmitHttpErrorTest, MapsToHttpErrorWithServerFields) {
  const StatusCase c = GetParam();
  server.enqueue("/emit", ScriptedResponse::error(c.status, c.name, c.message));
  Client client(without_retries(server));

  const auto error = capture<HttpError>([&] { client.emit("e", {{"x", 1}}); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), c.status);
  EXPECT_EQ(error->name(), c.name);
  EXPECT_EQ(error->server_message(), c.message);
  const std::string what = error->what();
  EXPECT_NE(what.find(std::to_string(c.status)), std::string::npos) << what;
  EXPECT_NE(what.find(c.message), std::string::npos) << what;
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_P(EmitHttpErrorTest, AsyncMapsToTheSameHttpError) {
  const StatusCase c = GetParam();
  server.enqueue("/emit", ScriptedResponse::error(c.status, c.name, c.message));
  Client client(without_retries(server));

  auto future = client.emit_async("e", {{"x", 1}});
  ASSERT_TRUE(ready_within(future, 10s));
  const auto error = capture<HttpError>([&] { future.get(); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), c.status);
  EXPECT_EQ(error->name(), c.name);
  EXPECT_EQ(error->server_message(), c.message);
  EXPECT_EQ(server.request_count(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, EmitHttpErrorTest,
    ::testing::Values(StatusCase{400, "bad-request", "payload must be an object"},
                      StatusCase{401, "invalid-secret", "unknown secret key"},
                      StatusCase{404, "not-found", "no such route"},
                      StatusCase{409, "conflict", "already exists"},
                      StatusCase{413, "payload-too-large", "body over 1 MB"},
                      StatusCase{429, "rate-limited", "slow down"},
                      StatusCase{500, "internal-error", "boom"},
                      StatusCase{502, "bad-gateway", "upstream failed"},
                      StatusCase{503, "unavailable", "maintenance"},
                      StatusCase{504, "gateway-timeout", "upstream timed out"}),
    [](const ::testing::TestParamInfo<StatusCase>& param_info) {
      return "Http" + std::to_string(param_info.param.status);
    });

class EmitErrorTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(EmitErrorTest, ErrorWithoutJsonBodyStillCarriesStatus) {
  server.enqueue("/emit", ScriptedResponse::raw(502, "Bad Gateway", "text/plain"));
  server.enqueue("/emit", ScriptedResponse::raw(500, "", "text/plain"));
  server.enqueue("/emit",
                 ScriptedResponse::raw(400, "<html><body>nope</body></html>", "text/html"));
  Client client(without_retries(server));

  auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 502);
  EXPECT_EQ(error->name(), "");
  EXPECT_EQ(error->server_message(), "Bad Gateway");
  EXPECT_FALSE(error->from_service());

  error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 500);
  EXPECT_EQ(error->name(), "");
  EXPECT_EQ(error->server_message(), "");

  error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status(), 400);
  EXPECT_EQ(error->server_message(), "<html><body>nope</body></html>");
}

// A gateway's 502 page was reported as "Buildable answered HTTP 502", its body dropped.
TEST_F(EmitErrorTest, AGatewayAnswerIsNotPassedOffAsBuildables) {
  server.enqueue("/emit", ScriptedResponse::raw(502,
                                                "<html>\r\n<h1>502 Bad Gateway</h1>\r\n" +
                                                    std::string(5000, '.') + "</html>",
                                                "text/html"));
  server.enqueue("/emit", ScriptedResponse::error(502, "bad-gateway", "upstream failed"));
  Client client(without_retries(server));

  auto error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  const std::string what = error->what();
  EXPECT_EQ(what.rfind("HTTP 502 from the server or a proxy/gateway in front of it (not a "
                       "Buildable error body): <html>\\r\\n<h1>502 Bad Gateway</h1>",
                       0),
            0u)
      << what;
  EXPECT_EQ(what.find("Buildable answered"), std::string::npos) << what;
  EXPECT_LE(error->server_message().size(), 200u);
  EXPECT_EQ(what.find_first_of("\r\n"), std::string::npos) << what;

  error = capture<HttpError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->from_service());
  EXPECT_STREQ(error->what(), "Buildable answered HTTP 502 (bad-gateway): upstream failed");
}

// An answer without a status line (HTTP/0.9-style garbage) came after the server read the
// request, yet was reported maybe_sent() == false, so the default policy re-sent the emit.
TEST(EmitGarbageAnswerTest, AnAnswerWithoutAStatusLineCountsAsMaybeSentAndIsNotRetried) {
  RawServer server("garbage\r\n\r\n");
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = server.base_url();
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 20ms;
  Client client(options);  // default retries: only provably unsent emits are repeated

  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->maybe_sent()) << error->what();
  EXPECT_EQ(server.requests(), 1u) << "the emit was sent again";

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  const auto async_error = capture<TransportError>([&] { future.get(); });
  ASSERT_TRUE(async_error);
  EXPECT_TRUE(async_error->maybe_sent()) << async_error->what();
  EXPECT_EQ(server.requests(), 2u) << "the async emit was sent again";
}

TEST(EmitAnswerSizeTest, AnAnswerOverMaxResponseBytesFailsWhileBeingReceived) {
  const std::string big(100'000, 'x');
  // Declared by Content-Length (refused at once), and read until the connection closes.
  for (const std::string& framing :
       {"Content-Length: " + std::to_string(big.size()), std::string("Connection: close")}) {
    RawServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + framing +
                     "\r\n\r\n" + big);
    ClientOptions options;
    options.secret = kTestSecret;
    options.base_url = server.base_url();
    options.max_response_bytes = 4096;
    Client client(options);
    const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
    ASSERT_TRUE(error) << framing;
    EXPECT_NE(std::string(error->what()).find("max_response_bytes"), std::string::npos)
        << error->what();
    EXPECT_TRUE(error->maybe_sent());
    auto future = client.emit_async("e", json::object());  // on the I/O thread: no crash
    ASSERT_TRUE(ready_within(future, 10s));
    const auto async_error = capture<TransportError>([&] { future.get(); });
    ASSERT_TRUE(async_error) << framing;
    EXPECT_NE(std::string(async_error->what()).find("max_response_bytes"), std::string::npos);
  }
}

TEST(EmitAnswerSizeTest, AnswersOtherThanAQueryPageAreCappedAtOneMebibyte) {
  const std::string big(2 * 1024 * 1024, 'x');  // far below the default max_response_bytes
  RawServer server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(big.size()) + "\r\n\r\n" + big);
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = server.base_url();
  Client client(options);
  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->what())
                .find("1048576 bytes, the limit of answers other than a "
                      "/query page"),
            std::string::npos)
      << error->what();
  EXPECT_TRUE(error->maybe_sent());
}

TEST(EmitAnswerSizeTest, TheDefaultCapFitsTheLargestPage) {
  ClientOptions options;
  EXPECT_EQ(buildable::detail::effective_max_response_bytes(options),
            2u * 100u * options.max_body_bytes + 1024u * 1024u);
  options.max_response_bytes = 5000;
  EXPECT_EQ(buildable::detail::effective_max_response_bytes(options), 5000u);
}

TEST(EmitProxyTest, AProxyRefusingTheTunnelMeansTheRequestNeverLeft) {
  RawServer proxy("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = "https://127.0.0.1:9";
  options.proxy = proxy.base_url();
  options.retry.max_attempts = 1;
  Client client(options);
  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->maybe_sent()) << error->what();
  EXPECT_GE(proxy.requests(), 1u);  // the CONNECT reached it
}

TEST_F(EmitErrorTest, NonJsonOrWrongShapedSuccessIsProtocolError) {
  const std::vector<std::string> bodies = {
      "garbage",
      "",
      "[\"key\"]",
      "\"0123456789abcdef0123456789abcdef\"",
      R"({"status":"success"})",
      R"({"status":"success","key":""})",
      R"({"status":"success","key":42})",
      R"({"status":"success","key":null})",
      R"({"status":"success","key":"0123)",  // truncated
  };
  for (const auto& body : bodies)
    server.enqueue("/emit", ScriptedResponse::raw(200, body));
  Client client(options_for(server));  // default retries: a 200 is never retried

  for (const auto& body : bodies) {
    SCOPED_TRACE("body: " + body);
    const auto error = capture<ProtocolError>([&] { client.emit("e", json::object()); });
    EXPECT_TRUE(error);
  }
  EXPECT_EQ(server.request_count(), bodies.size());

  server.enqueue("/emit", ScriptedResponse::raw(200, "not json"));
  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  EXPECT_TRUE(capture<ProtocolError>([&] { future.get(); }));
}

TEST_F(EmitErrorTest, OtherSuccessStatusesAndExtraFieldsAreAccepted) {
  const std::string key = TestServer::make_key();
  server.enqueue("/emit", ScriptedResponse::json(
                              201, {{"status", "success"}, {"key", key}, {"extra", {1, 2, 3}}}));
  Client client(options_for(server));
  EXPECT_EQ(client.emit("e", json::object()).key, key);
}

TEST(EmitTransportErrorTest, ConnectionRefusedIsTransportErrorNotSent) {
  const int port = unused_port();
  ClientOptions options;
  options.secret = kTestSecret;
  options.base_url = "http://127.0.0.1:" + std::to_string(port);
  options.retry.max_attempts = 1;
  Client client(options);

  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->maybe_sent());
  EXPECT_FALSE(error->timed_out());
  EXPECT_EQ(error->curl_code(), CURLE_COULDNT_CONNECT);

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  const auto async_error = capture<TransportError>([&] { future.get(); });
  ASSERT_TRUE(async_error);
  EXPECT_FALSE(async_error->maybe_sent());
}

TEST_F(EmitErrorTest, ServerClosingWithoutAnswerIsTransportErrorMaybeSent) {
  server.enqueue("/emit", ScriptedResponse::drop());
  Client client(options_for(server));  // default: an unsure emit is not retried

  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->maybe_sent());
  EXPECT_FALSE(error->timed_out());
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(EmitErrorTest, AsyncServerClosingWithoutAnswerIsTransportErrorMaybeSent) {
  server.enqueue("/emit", ScriptedResponse::drop());
  Client client(options_for(server));

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 10s));
  const auto error = capture<TransportError>([&] { future.get(); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->maybe_sent());
  EXPECT_EQ(server.request_count(), 1u);
}

// The connection was used before; the server then takes the next emit and drops the
// connection. The emit may have been stored, so it must not be re-sent (not by the SDK and
// not by libcurl's silent "retry on a dead reused connection").
TEST_F(EmitErrorTest, DroppedEmitOnReusedConnectionIsNotResent) {
  Client client(options_for(server));
  client.emit("warm.up", json::object());
  server.enqueue("/emit", ScriptedResponse::drop());
  server.enqueue("/emit", ScriptedResponse::drop());  // a silent re-send would be dropped too

  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->maybe_sent());
  EXPECT_EQ(server.request_count(), 2u) << "the dropped emit reached the server more than once";
}

TEST_F(EmitErrorTest, RequestTimeoutIsTransportErrorTimedOut) {
  server.set_default("/emit", ScriptedResponse::delayed(
                                  10s, ScriptedResponse::emit_success(TestServer::make_key())));
  ClientOptions options = options_for(server);
  options.request_timeout = 300ms;
  Client client(options);

  Stopwatch stopwatch;
  const auto error = capture<TransportError>([&] { client.emit("e", json::object()); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->timed_out());
  EXPECT_TRUE(error->maybe_sent());
  EXPECT_EQ(error->curl_code(), CURLE_OPERATION_TIMEDOUT);
  EXPECT_LT(stopwatch.elapsed(), 5s);
  // A timed-out emit is not retried by default. (The server may read the request only after
  // the client gave up when the machine is slow, hence the wait.)
  EXPECT_TRUE(server.wait_for_requests(1, 5s));
  EXPECT_EQ(server.request_count(), 1u);

  auto future = client.emit_async("e", json::object());
  ASSERT_TRUE(ready_within(future, 5s));
  const auto async_error = capture<TransportError>([&] { future.get(); });
  ASSERT_TRUE(async_error);
  EXPECT_TRUE(async_error->timed_out());
  server.release_delays();
}

}  // namespace
}  // namespace buildable::testing
