// Hostile connections against the emulator's HTTP core, black-box over loopback TCP: thousands
// of connections that never send a byte, heads and bodies dripped a byte at a time, bodies that
// never end, heads too large, bytes that are not ASCII, more connections than allowed. Ordinary
// clients must still be served, each abuse must be cut off by its limit (the EmulatorOptions
// timeouts and max_connections, the 1 MiB body and 64 KiB head limits), and memory must stay
// bounded, the statistics' table of connections too (the 4,096 most recent). Timings are
// printed, never asserted: things must happen before generous deadlines.
#include <gtest/gtest.h>

#include <algorithm>
#include <buildable/emulator/emulator.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection_storm.hpp"
#include "emulator_test_support.hpp"
#include "raw_socket.hpp"
#include "stats.hpp"

namespace buildable::emulator {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::Http;
using testing::json;
using testing::RawConnection;
using testing::RawResponse;
using testing::wait_until;

constexpr std::size_t kMiB = 1024 * 1024;

Clock::time_point in(Clock::duration duration) {
  return Clock::now() + duration;
}

double to_mib(std::size_t bytes) {
  return static_cast<double>(bytes) / kMiB;
}

std::size_t growth(std::size_t before, std::size_t after) {
  return after > before ? after - before : 0;
}

std::string emit_body(const std::string& event) {
  return json{{"event", event}, {"payload", {{"from", "hostile_connections_test"}}}}.dump();
}

/// `body` as chunked transfer coding in chunks of at most `chunk` bytes, terminator included.
std::string chunked(const std::string& body, std::size_t chunk) {
  std::string out;
  char size[32];
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const std::size_t n = std::min(chunk, body.size() - at);
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size;
    out.append(body, at, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

/// `request` with header line `line` added after its request line.
std::string with_header(std::string request, const std::string& line) {
  return request.insert(request.find("\r\n") + 2, line + "\r\n");
}

/// What stream_until_answer() saw.
struct Streamed {
  std::size_t sent = 0;               ///< bytes sent before the answer (or the end)
  bool send_failed = false;           ///< the server closed while bytes were still going out
  std::optional<RawResponse> answer;  ///< the first response, if one came
};

/// Sends up to `total` bytes (`bytes_at(offset)` gives the bytes from `offset` on) as fast as
/// the server takes them, and stops at the first whole response, or when the server closed
/// the connection, or at `deadline`.
Streamed stream_until_answer(RawConnection& connection,
                             const std::function<std::string_view(std::size_t)>& bytes_at,
                             std::size_t total, Clock::time_point deadline) {
  Streamed result;
  for (;;) {
    if ((result.answer = connection.take_response())) return result;
    if (connection.peer_closed()) return result;
    const bool sending = !result.send_failed && result.sent < total;
    pollfd pfd{connection.fd(), static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0};
    const int rc = ::poll(&pfd, 1, testing::millis_until(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return result;
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) connection.receive_available();
    if (sending && (pfd.revents & POLLOUT)) {
      std::string_view bytes = bytes_at(result.sent);
      bytes = bytes.substr(0, total - result.sent);
      const long n = connection.send_some(bytes);
      if (n < 0) {
        result.send_failed = true;
      } else {
        result.sent += static_cast<std::size_t>(n);
      }
    }
  }
}

/// Streams all of `data` (see stream_until_answer()).
Streamed stream_until_answer(RawConnection& connection, const std::string& data,
                             Clock::time_point deadline) {
  return stream_until_answer(
      connection, [&](std::size_t offset) { return std::string_view(data).substr(offset); },
      data.size(), deadline);
}

class HostileConnections : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::raise_open_file_limit(); }

  void start(EmulatorOptions options = {}) {
    emulator_ = std::make_unique<Emulator>(std::move(options));
    emulator_->start();
  }
  int port() const { return emulator_->port(); }
  std::string secret_header() const { return "X-Buildable-Secret: " + emulator_->default_secret(); }
  /// A valid POST /emit of event `event`, keep-alive.
  std::string emit_request(const std::string& event) const {
    return testing::http_post("/emit", emit_body(event),
                              {secret_header(), "Content-Type: application/json"});
  }

  /// Sends `request` on a fresh connection (as fast as the server takes it) and returns the
  /// first answer.
  std::optional<RawResponse> exchange(const std::string& request) {
    RawConnection connection(port(), in(10s));
    if (!connection.connected()) return std::nullopt;
    return stream_until_answer(connection, request, in(10s)).answer;
  }

  /// `response` is the emulator's JSON error body with `status` (and `name`, unless empty).
  static void expect_json_error(const std::optional<RawResponse>& response, int status,
                                const std::string& name) {
    ASSERT_TRUE(response.has_value()) << "no answer";
    EXPECT_EQ(response->status, status) << response->status_line << "\n" << response->body;
    const json body = response->json();
    ASSERT_TRUE(body.is_object()) << response->status_line << "\n" << response->body;
    EXPECT_EQ(body.value("status", ""), "error") << response->body;
    EXPECT_EQ(body.value("code", 0), status) << response->body;
    if (!name.empty()) {
      EXPECT_EQ(body.value("name", ""), name) << response->body;
    }
  }

  /// A 4xx JSON error body, whichever 4xx.
  static void expect_json_4xx(const std::optional<RawResponse>& response, const std::string& what) {
    ASSERT_TRUE(response.has_value()) << what << ": no answer";
    EXPECT_GE(response->status, 400) << what << ": " << response->status_line;
    EXPECT_LT(response->status, 500) << what << ": " << response->status_line;
    const json body = response->json();
    ASSERT_TRUE(body.is_object()) << what << ": " << response->body;
    EXPECT_EQ(body.value("status", ""), "error") << what << ": " << response->body;
    EXPECT_EQ(body.value("code", 0), response->status) << what << ": " << response->body;
  }

  /// The emulator still answers an ordinary request.
  void expect_still_serving() {
    Http http(*emulator_);
    EXPECT_FALSE(http.emit("still.serving").empty());
  }

  std::unique_ptr<Emulator> emulator_;
};

// --- 1. ordinary clients beside a storm -------------------------------------------------------

TEST_F(HostileConnections, OrdinaryRequestsAreServedBesideIdleAndSlowDripConnections) {
  EmulatorOptions options;            // default threads
  options.keep_alive_timeout = 120s;  // the storm must outlast the test
  options.header_timeout = 120s;
  start(options);

  testing::Storm storm(port(), 2000, 200, 1s, in(30s));
  ASSERT_EQ(storm.idle_connected(), 2000u);
  ASSERT_EQ(storm.drip_connected(), 200u);
  ASSERT_TRUE(wait_until([&] { return storm.rounds() >= 1; }));

  const auto run =
      testing::timed_emits("127.0.0.1", port(), emulator_->default_secret(), 200, 4, 5s);
  std::printf(
      "[ storm    ] 200 POST /emit beside 2000 idle + 200 slow-drip connections: "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu failed)\n",
      run.percentile(0.50), run.percentile(0.99), run.max(), run.failed);
  RecordProperty("p50_ms", std::to_string(run.percentile(0.50)));
  RecordProperty("p99_ms", std::to_string(run.percentile(0.99)));
  EXPECT_EQ(run.failed, 0u) << run.first_failure;
  EXPECT_EQ(run.millis.size(), 200u);

  // The storm was real all along: no connection was dropped, and the idle ones are served when
  // they finally speak.
  EXPECT_EQ(storm.drip_closed_by_server(), 0u);
  EXPECT_EQ(storm.idle_closed_by_server(), 0u);
  std::vector<RawConnection*> speakers;
  for (std::size_t i = 0; i < storm.idle().size(); i += 100)
    speakers.push_back(&storm.idle()[i]);
  for (auto* connection : speakers)
    ASSERT_TRUE(connection->send_all(emit_request("idle.speaks"), in(10s)));
  const auto deadline = in(10s);
  for (auto* connection : speakers) {
    const auto answer = connection->read_response(deadline);
    ASSERT_TRUE(answer.has_value()) << "an idle connection got no answer";
    EXPECT_EQ(answer->status, 200) << answer->body;
  }
}

// --- 2. slow drips are cut off -----------------------------------------------------------------

TEST_F(HostileConnections, SlowDripHeadIsClosedAfterHeaderTimeout) {
  EmulatorOptions options;
  options.header_timeout = 1s;
  options.keep_alive_timeout = 60s;  // only the head's deadline can end these connections
  start(options);

  // A byte every 200 ms: never 1 s without one, so only a deadline on the whole head ends it.
  testing::Storm storm(port(), 0, 20, 200ms, in(10s));
  ASSERT_EQ(storm.drip_connected(), 20u);
  EXPECT_TRUE(wait_until([&] { return storm.drip_closed_by_server() == 20; }, 10s))
      << storm.drip_closed_by_server() << " of 20 slow-drip connections closed";
  std::printf("[ drip     ] fewest head bytes dripped on one connection: %zu\n",
              storm.min_bytes_dripped());
  ASSERT_EQ(storm.drip_answers().size(), 20u);
  for (const auto& received : storm.drip_answers()) {
    EXPECT_EQ(received.rfind("HTTP/1.1 408", 0), 0u) << "documented: 408, then closed";
    const auto body = json::parse(received.substr(received.find("\r\n\r\n") + 4), nullptr, false);
    EXPECT_EQ(body.value("name", ""), "request-timeout") << received;
  }
  expect_still_serving();
}

TEST_F(HostileConnections, SlowDripBodyIsClosedAfterBodyTimeout) {
  EmulatorOptions options;
  options.body_timeout = 1s;
  options.header_timeout = 60s;
  options.keep_alive_timeout = 60s;
  start(options);

  const std::string head =
      "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
      secret_header() + "\r\nContent-Length: 4000\r\n\r\n";
  std::vector<RawConnection> drips = testing::open_connections(port(), 10, in(10s));
  for (auto& connection : drips) {
    ASSERT_TRUE(connection.connected());
    ASSERT_TRUE(connection.send_all(head, in(10s)));
  }
  // One body byte every 200 ms on each connection until the server closes them all.
  const auto deadline = in(10s);
  std::size_t closed = 0;
  while (closed < drips.size() && Clock::now() < deadline) {
    std::vector<pollfd> fds;
    for (auto& connection : drips)
      if (!connection.peer_closed()) fds.push_back({connection.fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 200);  // pacing of the drip; closes wake it early
    closed = 0;
    for (auto& connection : drips) {
      if (!connection.peer_closed() && connection.receive_available() &&
          connection.send_some(" ") >= 0) {
        continue;
      }
      ++closed;
    }
  }
  EXPECT_EQ(closed, drips.size()) << "slow-drip bodies still open after 10 s";
  for (auto& connection : drips) {
    EXPECT_EQ(connection.received().rfind("HTTP/1.1 408", 0), 0u)
        << "documented: 408, then closed; got: " << connection.received();
  }
  EXPECT_EQ(emulator_->message_count(), 0);
  expect_still_serving();
}

// --- 3. idle connections are closed ------------------------------------------------------------

TEST_F(HostileConnections, IdleConnectionsAreClosedAfterKeepAliveTimeout) {
  EmulatorOptions options;
  options.keep_alive_timeout = 1s;
  options.header_timeout = 60s;  // only the keep-alive timeout can end these connections
  start(options);

  auto fresh = testing::open_connections(port(), 10, in(10s));
  for (const auto& connection : fresh)
    ASSERT_TRUE(connection.connected());
  RawConnection used(port(), in(10s));
  ASSERT_TRUE(used.connected());
  ASSERT_TRUE(used.send_all(emit_request("before.idling"), in(10s)));
  const auto answer = used.read_response(in(10s));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200) << answer->body;
  EXPECT_FALSE(answer->closes()) << "an ordinary answer must keep the connection open";

  EXPECT_EQ(testing::wait_all_closed(fresh, in(10s)), fresh.size())
      << "fresh connections that never sent a byte are still open";
  EXPECT_TRUE(used.wait_closed(in(10s))) << "a connection idle after its request is still open";
  expect_still_serving();
}

// --- 4. max_connections ------------------------------------------------------------------------

TEST_F(HostileConnections, ConnectionsBeyondMaxConnectionsGet503UntilSomeClose) {
  EmulatorOptions options;
  options.max_connections = 50;
  options.keep_alive_timeout = 60s;
  start(options);
  const std::string probe = "GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  // 50 connections, each answered once: the server has certainly accepted all of them.
  std::vector<RawConnection> held;
  for (int i = 0; i < 50; ++i) {
    held.emplace_back(port(), in(10s));
    ASSERT_TRUE(held.back().connected()) << i;
    ASSERT_TRUE(held.back().send_all(probe, in(10s))) << i;
    const auto answer = held.back().read_response(in(10s));
    ASSERT_TRUE(answer.has_value()) << "connection " << i << " got no answer";
    ASSERT_EQ(answer->status, 404) << i << ": " << answer->body;
  }

  RawConnection extra(port(), in(10s));
  ASSERT_TRUE(extra.connected());
  const auto refused = extra.read_response(in(10s));  // sent on accept, no request needed
  expect_json_error(refused, 503, "too-many-connections");
  EXPECT_TRUE(extra.wait_closed(in(10s))) << "the 51st connection was not closed";

  // The 50 are still served.
  ASSERT_TRUE(held.front().send_all(probe, in(10s)));
  const auto still = held.front().read_response(in(10s));
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->status, 404);

  // Closing 10 makes room again.
  held.resize(40);
  EXPECT_TRUE(wait_until(
      [&] {
        RawConnection connection(port(), in(5s));
        if (!connection.send_all(probe, in(5s))) return false;
        const auto answer = connection.read_response(in(5s));
        return answer && answer->status == 404;
      },
      10s))
      << "no new connection served after 10 of the 50 closed";
}

// --- 5. chunked bodies -------------------------------------------------------------------------

TEST_F(HostileConnections, EndlessChunkedBodyWithoutSecretIsRefusedFromTheHead) {
  start();
  expect_still_serving();  // storage and threads set up before measuring
  const std::size_t rss_before = testing::resident_set_bytes();

  RawConnection connection(port(), in(10s));
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(
      connection.send_all("POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n",
                          in(10s)));
  const std::string chunk = "10000\r\n" + std::string(64 * 1024, 'x') + "\r\n";
  const std::size_t total = 64 * kMiB;
  const auto streamed = stream_until_answer(
      connection,
      [&](std::size_t offset) { return std::string_view(chunk).substr(offset % chunk.size()); },
      total, in(30s));
  const std::size_t rss_after = testing::resident_set_bytes();
  std::printf(
      "[ chunked  ] answered after %.2f MiB of an endless chunked body; RSS %.1f -> "
      "%.1f MiB\n",
      to_mib(streamed.sent), to_mib(rss_before), to_mib(rss_after));

  expect_json_error(streamed.answer, 401, "invalid-secret");
  if (streamed.answer) {
    EXPECT_TRUE(streamed.answer->closes()) << "no Connection: close";
  }
  EXPECT_LT(streamed.sent, total) << "the server read the whole 64 MiB before answering";
  EXPECT_LT(growth(rss_before, rss_after), 64 * kMiB);
  expect_still_serving();
}

TEST_F(HostileConnections, ProtocolEndpointsRefuseABadSecretFromTheHead) {
  start();
  // A body announced but never sent: only an answer from the head can arrive.
  for (const std::string endpoint :
       {"/emit", "/query", "/init", "/transact", "/update", "/get-full-event-name"}) {
    for (const std::string& secret_line :
         {std::string(), std::string("X-Buildable-Secret: nope\r\n")}) {
      const auto answer =
          exchange("POST " + endpoint + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + secret_line +
                   "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
      SCOPED_TRACE(endpoint + (secret_line.empty() ? " without secret" : " with a wrong secret"));
      expect_json_error(answer, 401, "invalid-secret");
      if (answer) {
        EXPECT_TRUE(answer->closes()) << "no Connection: close";
      }
    }
  }
  expect_still_serving();
}

TEST_F(HostileConnections, BodyOverOneMebibyteGets413ChunkedOrNot) {
  start();
  const auto count_before = emulator_->message_count();
  const std::string body =
      R"({"event":"too.big","payload":{"blob":")" + std::string(2 * kMiB, 'a') + R"("}})";
  const std::string head = "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + secret_header() +
                           "\r\nContent-Type: application/json\r\n";

  expect_json_error(
      exchange(head + "Transfer-Encoding: chunked\r\n\r\n" + chunked(body, 64 * 1024)), 413,
      "payload-too-large");
  expect_json_error(
      exchange(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body), 413,
      "payload-too-large");
  // Many small chunks add up too.
  expect_json_error(exchange(head + "Transfer-Encoding: chunked\r\n\r\n" + chunked(body, 1000)),
                    413, "payload-too-large");
  EXPECT_EQ(emulator_->message_count(), count_before);
  expect_still_serving();
}

TEST_F(HostileConnections, SmallChunkedEmitIsStored) {
  start();
  const auto count_before = emulator_->message_count();
  const auto answer = exchange("POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + secret_header() +
                               "\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n" +
                               chunked(emit_body("chunked.small"), 7));
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->status, 200) << answer->body;
  const auto key = answer->json().value("key", "");
  ASSERT_FALSE(key.empty()) << answer->body;
  EXPECT_EQ(emulator_->message(key).value("eventName", ""), "chunked.small");
  EXPECT_EQ(emulator_->message_count(), count_before + 1);
}

// --- 6. heads too large, long paths, bytes outside ASCII, malformed HTTP -----------------------

TEST_F(HostileConnections, HeadOverSixtyFourKibibytesGets431) {
  start();
  const std::size_t over = 70 * 1024;
  expect_json_error(exchange("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                             std::string(over, 'b') + "\r\n\r\n"),
                    431, "header-too-large");
  std::string many = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 2000; ++i)
    many += "X-Header-" + std::to_string(i) + ": " + std::string(30, 'v') + "\r\n";
  expect_json_error(exchange(many + "\r\n"), 431, "header-too-large");
  expect_json_error(exchange("GET /" + std::string(over, 'p') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                    431, "header-too-large");
  expect_json_error(
      exchange(with_header(emit_request("never"), "X-Big: " + std::string(over, 'b'))), 431,
      "header-too-large");

  // Just under the limit is fine.
  const auto answer =
      exchange(with_header(emit_request("big.head"), "X-Big: " + std::string(60 * 1024, 'b')));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200) << answer->body;
  expect_still_serving();
}

TEST_F(HostileConnections, FourKibibytePathGets404Json) {
  start();
  const std::string path = "/" + std::string(4096, 'a');
  expect_json_error(exchange("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 404, "");
  expect_json_error(
      exchange(testing::http_post(path, emit_body("long.path"),
                                  {secret_header(), "Content-Type: application/json"})),
      404, "");
  expect_still_serving();
}

TEST_F(HostileConnections, BytesOutsideAsciiInPathAndHeadersGet4xxJson) {
  start();
  const std::string json_type = "Content-Type: application/json";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"raw bytes in the path", "GET /\xff\xfe\x80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"},
      {"invalid UTF-8 in a protocol path",
       testing::http_post("/emit\xc3\x28", emit_body("x"), {secret_header(), json_type})},
      {"bytes in the secret",
       testing::http_post("/emit", emit_body("x"),
                          {"X-Buildable-Secret: \xc3\x28\xff\x80", json_type})},
      {"bytes in the content type",
       testing::http_post("/emit", emit_body("x"),
                          {secret_header(), "Content-Type: application/\xfe\xff"})},
      {"bytes in another header of an unknown path",
       "GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Junk: \x80\x81\xfe\xff\r\n\r\n"},
      {"bytes in a dashboard API query",
       "GET /_dashboard/api/messages?event=\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n"
       "X-Buildable-Secret: \xff\r\n\r\n"},
  };
  for (const auto& [what, request] : cases)
    expect_json_4xx(exchange(request), what);
  expect_still_serving();
}

TEST_F(HostileConnections, MalformedHttpGets400Json) {
  start();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage request line", "HELLO THERE\r\n\r\n"},
      {"header line without a colon", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColonHere\r\n\r\n"},
      {"non-numeric Content-Length",
       "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + secret_header() +
           "\r\nContent-Type: application/json\r\nContent-Length: twelve\r\n\r\n"},
      {"bad chunk size", "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + secret_header() +
                             "\r\nContent-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
  };
  for (const auto& [what, request] : cases) {
    SCOPED_TRACE(what);
    expect_json_error(exchange(request), 400, "bad-request");
  }
  expect_still_serving();
}

// --- 7. Expect: 100-continue -------------------------------------------------------------------

TEST_F(HostileConnections, ExpectContinueGets100ThenTheAnswer) {
  start();
  const std::string body = emit_body("continued");
  RawConnection connection(port(), in(10s));
  ASSERT_TRUE(connection.send_all("POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n" + secret_header() +
                                      "\r\nContent-Type: application/json\r\n"
                                      "Expect: 100-continue\r\nContent-Length: " +
                                      std::to_string(body.size()) + "\r\n\r\n",
                                  in(10s)));
  const auto interim = connection.read_response(in(10s));
  ASSERT_TRUE(interim.has_value()) << "no 100 Continue";
  EXPECT_EQ(interim->status_line, "HTTP/1.1 100 Continue");
  ASSERT_TRUE(connection.send_all(body, in(10s)));
  const auto answer = connection.read_response(in(10s));
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(emulator_->message(answer->json().value("key", "")).value("eventName", ""),
            "continued");
}

TEST_F(HostileConnections, ExpectContinueWithoutSecretGets401Without100) {
  start();
  RawConnection connection(port(), in(10s));
  ASSERT_TRUE(
      connection.send_all("POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\n"
                          "Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n",
                          in(10s)));
  const auto answer = connection.read_response(in(10s));
  expect_json_error(answer, 401, "invalid-secret");
  if (answer) {
    EXPECT_TRUE(answer->closes()) << "no Connection: close";
  }
  EXPECT_TRUE(connection.wait_closed(in(10s)));
  EXPECT_EQ(connection.received(), "") << "bytes after the 401";
}

// --- 8. memory ---------------------------------------------------------------------------------

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kSanitizerMemoryFactor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr std::size_t kSanitizerMemoryFactor = 4;
#else
constexpr std::size_t kSanitizerMemoryFactor = 1;
#endif
#else
constexpr std::size_t kSanitizerMemoryFactor = 1;
#endif

TEST_F(HostileConnections, MemoryStaysBoundedThroughChurnAndStorm) {
  EmulatorOptions options;
  options.keep_alive_timeout = 120s;
  options.header_timeout = 120s;
  start(options);
  expect_still_serving();
  const std::size_t baseline = testing::resident_set_bytes();

  {
    auto churn = testing::open_connections(port(), 2000, in(30s));
    std::size_t connected = 0;
    for (const auto& connection : churn)
      connected += connection.connected() ? 1 : 0;
    EXPECT_EQ(connected, 2000u);
  }  // all closed here
  expect_still_serving();
  const std::size_t after_churn = testing::resident_set_bytes();

  std::size_t during_storm = 0;
  {
    testing::Storm storm(port(), 2000, 200, 1s, in(30s));
    ASSERT_TRUE(wait_until([&] { return storm.rounds() >= 1; }));
    const auto run =
        testing::timed_emits("127.0.0.1", port(), emulator_->default_secret(), 200, 4, 5s);
    EXPECT_EQ(run.failed, 0u) << run.first_failure;
    during_storm = testing::resident_set_bytes();
  }
  expect_still_serving();
  const std::size_t after_storm = testing::resident_set_bytes();

  std::printf(
      "[ memory   ] RSS: baseline %.1f MiB, after 2000 opened+closed %.1f MiB, during "
      "storm %.1f MiB, after storm %.1f MiB\n",
      to_mib(baseline), to_mib(after_churn), to_mib(during_storm), to_mib(after_storm));
  // Sanitizers keep shadow memory and quarantines for every allocation and thread.
  constexpr std::size_t kBound = 100 * 1000 * 1000 * kSanitizerMemoryFactor;
  EXPECT_LT(growth(baseline, after_churn), kBound);
  EXPECT_LT(growth(baseline, during_storm), kBound);
  EXPECT_LT(growth(baseline, after_storm), kBound);
}

// --- 9. the peer table, bodies without framing, a browser's stray image request ---------------

// Documented (EmulatorStats::connections): only the 4,096 most recent connections are
// remembered.
constexpr std::uint64_t kRecentPeers = 4096;
static_assert(kRecentPeers == detail::StatsCollector::kRecentPeers);

const std::string kPeerProbe = "GET /peer-probe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/// Sends kPeerProbe on `connection` and waits for its 404, which leaves the connection open.
void probe(RawConnection& connection, const char* name) {
  ASSERT_TRUE(connection.send_all(kPeerProbe, in(10s))) << name;
  const auto answer = connection.read_response(in(10s));
  ASSERT_TRUE(answer.has_value()) << "connection " << name << " got no answer (closed?)";
  EXPECT_EQ(answer->status, 404) << answer->body;
  EXPECT_FALSE(answer->closes()) << name;
}

TEST_F(HostileConnections, PeerTableForgetsAConnectionIdleThroughFourThousandNinetySixNewerOnes) {
  EmulatorOptions options;
  options.keep_alive_timeout = 120s;  // connections A and B must stay open through the churn
  start(options);

  RawConnection a(port(), in(10s));
  ASSERT_TRUE(a.connected());
  ASSERT_NO_FATAL_FAILURE(probe(a, "A"));
  ASSERT_EQ(emulator_->stats().connections, 1u);
  // Without churn, A's next request is from a known connection.
  ASSERT_NO_FATAL_FAILURE(probe(a, "A"));
  EXPECT_EQ(emulator_->stats().connections, 1u) << "a second request on A counted again";
  RawConnection b(port(), in(10s));
  ASSERT_TRUE(b.connected());
  ASSERT_NO_FATAL_FAILURE(probe(b, "B"));
  ASSERT_EQ(emulator_->stats().connections, 2u);

  // Churn: other connections, each sending one request and closed by the client once answered
  // (the answer says the emulator has counted it; the client's side then keeps the port in
  // TIME_WAIT, so the kernel seldom hands it out again), in batches that never overshoot
  // `target`. A port handed out again while still remembered does not count; the loop goes on
  // until the emulator has counted `target` connections in all.
  std::uint64_t churn_requests = 0;
  const auto churn_until = [&](std::uint64_t target) {
    const std::string request = "GET /churn HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const auto deadline = in(60s);
    for (std::uint64_t seen; (seen = emulator_->stats().connections) < target;) {
      ASSERT_LT(Clock::now(), deadline) << "churn stuck at " << seen << " of " << target;
      const auto batch = static_cast<std::size_t>(std::min<std::uint64_t>(target - seen, 32));
      auto batch_connections = testing::open_connections(port(), batch, deadline);
      for (auto& connection : batch_connections) {
        ASSERT_TRUE(connection.connected());
        ASSERT_TRUE(connection.send_all(request, deadline));
        ++churn_requests;
      }
      for (auto& connection : batch_connections) {
        const auto answer = connection.read_response(deadline);
        ASSERT_TRUE(answer.has_value()) << "a churn connection got no answer";
        ASSERT_EQ(answer->status, 404) << answer->body;
      }
    }  // the batch is closed here
  };

  // 4,095 newer connections than B, so 4,096 newer than A (B among them).
  ASSERT_NO_FATAL_FAILURE(churn_until(2 + kRecentPeers - 1));
  ASSERT_NO_FATAL_FAILURE(probe(b, "B"));
  EXPECT_EQ(emulator_->stats().connections, kRecentPeers + 1)
      << "B was forgotten after only 4,095 newer connections";
  ASSERT_NO_FATAL_FAILURE(probe(a, "A"));
  EXPECT_EQ(emulator_->stats().connections, kRecentPeers + 2)
      << "A was still remembered after 4,096 newer connections";
  // ... and A is remembered again.
  ASSERT_NO_FATAL_FAILURE(probe(a, "A"));
  const auto stats = emulator_->stats();
  EXPECT_EQ(stats.connections, kRecentPeers + 2);
  EXPECT_EQ(stats.requests, churn_requests + 6);
  std::printf("[ peers    ] %llu churn connections for %llu counted\n",
              static_cast<unsigned long long>(churn_requests),
              static_cast<unsigned long long>(kRecentPeers - 1));
}

TEST_F(HostileConnections, PostWithoutContentLengthOrTransferEncodingHasAnEmptyBody) {
  start();
  const std::string head =
      "POST /emit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";

  // Without a secret: refused from the head.
  const auto refused = exchange(head + "\r\n");
  expect_json_error(refused, 401, "invalid-secret");
  if (refused) {
    EXPECT_TRUE(refused->closes()) << "no Connection: close";
  }

  // With the secret: the body is empty, which is not JSON (documented: 400 invalid-json).
  RawConnection connection(port(), in(10s));
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.send_all(head + secret_header() + "\r\n\r\n", in(10s)));
  expect_json_error(connection.read_response(in(10s)), 400, "invalid-json");

  // JSON sent after such a head is no body of it (it would be read as the next request).
  const auto unframed = exchange(head + secret_header() + "\r\n\r\n" + emit_body("unframed"));
  expect_json_error(unframed, 400, "invalid-json");
  EXPECT_EQ(emulator_->message_count(), 0);
  expect_still_serving();
}

TEST_F(HostileConnections, BrowserImageRequestForAPathThatIsNotUtf8Gets404Json) {
  start();
  // What a browser sends for <img src="http://127.0.0.1:PORT/%FF"> on a page of another
  // origin.
  const std::string request =
      "GET /%FF HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) +
      "\r\nConnection: keep-alive\r\n"
      "sec-ch-ua: \"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"24\"\r\n"
      "sec-ch-ua-mobile: ?0\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36\r\n"
      "sec-ch-ua-platform: \"Linux\"\r\n"
      "Accept: image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8\r\n"
      "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image\r\n"
      "Referer: https://elsewhere.example/page.html\r\n"
      "Accept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\n\r\n";

  RawConnection connection(port(), in(10s));
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 2; ++i) {  // a browser reuses the connection
    SCOPED_TRACE("request " + std::to_string(i + 1));
    ASSERT_TRUE(connection.send_all(request, in(10s)));
    const auto answer = connection.read_response(in(10s));
    expect_json_error(answer, 404, "not-found");
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->header("content-type").value_or("").rfind("application/json", 0), 0u);
    EXPECT_FALSE(answer->closes());
  }
  expect_still_serving();
}

}  // namespace
}  // namespace buildable::emulator
