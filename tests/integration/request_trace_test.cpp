// Request tracing through ClientOptions::logger (log_level debug and info) against a real
// server on loopback: one line per attempt with its method, path, outcome, attempt, duration,
// connection and proxy; lifecycle lines at info; the thread each line is delivered on; and
// never the secret or a proxy's credentials.
#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <buildable/client.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration_helpers.hpp"
#include "test_server.hpp"

namespace buildable::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCanarySecret = "sk_trace_canary_5d1e";

/// One delivered line with its level and the name and id of the thread it came on.
struct Line {
  LogLevel level;
  std::string text;
  std::string thread_name;
  std::thread::id thread;
};

class TraceCapture {
 public:
  LogHandler handler() {
    return [this](LogLevel level, std::string_view text) {
      char name[32] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      std::lock_guard lock(mutex_);
      lines_.push_back({level, std::string(text), name, std::this_thread::get_id()});
    };
  }
  std::vector<Line> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  /// The lines containing `part`.
  std::vector<Line> with(const std::string& part) const {
    std::vector<Line> found;
    for (auto& line : lines())
      if (line.text.find(part) != std::string::npos) found.push_back(line);
    return found;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Line> lines_;
};

/// what() of the buildable::Error `call` throws ("" when it throws none).
template <class F>
std::string capture_error(F&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no buildable::Error was thrown";
  return {};
}

class RequestTrace : public ::testing::Test {
 protected:
  ClientOptions traced(LogLevel level = LogLevel::debug) {
    ClientOptions o = options_for(server, kCanarySecret);
    o.logger = trace.handler();
    o.log_level = level;
    return o;
  }
  void expect_no_secret() const {
    for (const auto& line : trace.lines())
      EXPECT_EQ(line.text.find(kCanarySecret), std::string::npos) << line.text;
  }
  TestServer server;
  TraceCapture trace;
};

TEST_F(RequestTrace, ABlockingEmitTracesEachAttemptOnTheCallingThread) {
  server.enqueue("/emit", ScriptedResponse::error(503, "unavailable", kCanarySecret));
  server.set_default("/emit", ScriptedResponse::emit_success(TestServer::make_key()));
  Client client(traced());
  client.emit("traced", {{"n", 1}});
  client.emit("traced", {{"n", 2}});

  const auto lines = trace.with("POST /emit");
  ASSERT_EQ(lines.size(), 3u) << "one line per attempt: 503, then 200, then 200";
  const std::string port = ":" + std::to_string(server.port());
  EXPECT_NE(lines[0].text.find("POST /emit: HTTP 503 in "), std::string::npos) << lines[0].text;
  EXPECT_NE(lines[0].text.find("(attempt 1, new connection to 127.0.0.1" + port + ", proxy none"),
            std::string::npos)
      << lines[0].text;
  EXPECT_NE(lines[1].text.find("HTTP 200"), std::string::npos) << lines[1].text;
  EXPECT_NE(lines[1].text.find("attempt 2, reused connection"), std::string::npos) << lines[1].text;
  EXPECT_NE(lines[2].text.find("attempt 1, reused connection"), std::string::npos) << lines[2].text;
  for (const auto& line : lines) {
    EXPECT_EQ(line.level, LogLevel::debug);
    EXPECT_EQ(line.thread, std::this_thread::get_id()) << "a blocking call traces on its thread";
  }
  expect_no_secret();
}

TEST_F(RequestTrace, AsynchronousAttemptsAreTracedOnTheHandlerPoolNeverTheIoThread) {
  server.set_default("/emit", ScriptedResponse::emit_success(TestServer::make_key()));
  Client client(traced());
  for (int i = 0; i < 5; ++i)
    client.emit_async("traced", {{"n", i}}).get();
  ASSERT_TRUE(wait_until([&] { return trace.with("POST /emit: HTTP 200").size() == 5; }, 10s))
      << trace.lines().size() << " lines";
  for (const auto& line : trace.with("POST /emit")) {
    EXPECT_EQ(line.thread_name, "buildable-hdl") << line.text;
    EXPECT_NE(line.thread, std::this_thread::get_id());
  }
  const auto started = trace.with("I/O thread started");
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].level, LogLevel::info);
  expect_no_secret();
}

TEST_F(RequestTrace, AFailedAttemptSaysWhyAndWhetherItWasSent) {
  ClientOptions o = traced();
  o.base_url = "http://127.0.0.1:" + std::to_string(unused_port());
  o.retry.max_attempts = 1;
  Client client(o);
  EXPECT_THROW(client.emit("traced", {{"n", 1}}), TransportError);
  const auto lines = trace.with("POST /emit: failed, ");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].text.find("Couldn't connect to server"), std::string::npos) << lines[0].text;
  EXPECT_NE(lines[0].text.find(", not sent in "), std::string::npos) << lines[0].text;
  EXPECT_NE(lines[0].text.find("(attempt 1, no connection, proxy none"), std::string::npos)
      << lines[0].text;
}

TEST_F(RequestTrace, TheProxyIsNamedWithoutItsCredentials) {
  const std::string port = std::to_string(unused_port());
  // Forms libcurl accepts or quotes back in its errors: one and three slashes, no scheme, an
  // '@' inside the password, a port libcurl refuses, a space.
  const std::vector<std::string> proxies = {
      "http://trace-user:pw-secret-1@127.0.0.1:" + port,
      "http:/trace-user:pw-secret-2@127.0.0.1:" + port,
      "http:///trace-user:pw-secret-3@127.0.0.1:" + port,
      "trace-user:pw-secret-4@127.0.0.1:" + port,
      "http://trace-user:pw@secret-5@127.0.0.1:" + port,
      "http://trace-user:pw-secret-6@127.0.0.1:99999",
      "http://trace-user:pw secret-7@127.0.0.1:" + port,
  };
  for (const auto& proxy : proxies) {
    TraceCapture capture;
    ClientOptions o = traced();
    o.logger = capture.handler();
    o.allow_insecure_http = true;  // plain http through a proxy only when explicitly allowed
    o.proxy = proxy;
    o.retry.max_attempts = 1;
    Client client(o);
    const auto error = capture_error([&] { client.emit("traced", {{"n", 1}}); });
    EXPECT_EQ(error.find("secret-"), std::string::npos) << proxy << ": " << error;
    EXPECT_EQ(error.find("trace-user"), std::string::npos) << proxy << ": " << error;
    const auto lines = capture.with("POST /emit");
    ASSERT_EQ(lines.size(), 1u) << proxy;
    EXPECT_NE(lines[0].text.find("proxy "), std::string::npos) << lines[0].text;
    for (const auto& line : capture.lines()) {
      EXPECT_EQ(line.text.find("secret-"), std::string::npos) << proxy << ": " << line.text;
      EXPECT_EQ(line.text.find("trace-user"), std::string::npos) << proxy << ": " << line.text;
    }
  }
}

TEST_F(RequestTrace, ListenersAndCloseAreTracedAtInfoWithoutRequestLines) {
  server.set_default("/query", ScriptedResponse::json(200, {{"rows", nlohmann::json::array()}}));
  {
    Client client(traced(LogLevel::info));
    ListenOptions listen;
    listen.platform = "shop";
    listen.label = "orders";
    auto subscription = client.on(
        "order.placed", [](const Message&) {}, listen);
    ASSERT_TRUE(server.wait_for_requests(1, 10s, "/query"));
    client.off(subscription);
  }
  EXPECT_EQ(trace.with("listener added: shop.orders.order.placed").size(), 1u);
  EXPECT_EQ(trace.with("listener removed: shop.orders.order.placed").size(), 1u);
  EXPECT_EQ(trace.with("closing: ").size(), 1u);
  EXPECT_EQ(trace.with("closed after ").size(), 1u);
  EXPECT_TRUE(trace.with("POST ").empty()) << "request lines are debug, not info";
  for (const auto& line : trace.lines())
    EXPECT_EQ(line.level, LogLevel::info) << line.text;
}

TEST_F(RequestTrace, TheDefaultLevelTracesNothing) {
  server.set_default("/emit", ScriptedResponse::emit_success(TestServer::make_key()));
  Client client(traced(LogLevel::warning));
  client.emit("traced", {{"n", 1}});
  client.emit_async("traced", {{"n", 2}}).get();
  client.close();
  EXPECT_TRUE(trace.lines().empty()) << trace.lines().front().text;
}

}  // namespace
}  // namespace buildable::testing
