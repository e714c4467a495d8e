// Draining on stop() and SIGTERM: the requests in flight (head accepted: body still arriving,
// injected delay, handler blocked on the database) get their real answers before the server
// stops, within EmulatorOptions::drain_timeout; a delay that cannot end in time is answered
// 503 at once; /readyz answers 503 from the start of the drain (--drain-delay keeps serving).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "emulator_test_support.hpp"
#include "raw_socket.hpp"
#include "temp_dir.hpp"

namespace buildable::emulator {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::EmulatorProcess;
using testing::Http;
using testing::json;
using testing::Reply;
using testing::TempDir;
using testing::wait_until;

const json kEmitBody = {{"event", "drained"}, {"payload", {{"n", 1}}}};

/// The value of `series` in a text exposition, or -1.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(Drain, DelayedRequestInFlightGetsItsRealAnswer) {
  EmulatorOptions options;
  options.drain_timeout = 60s;  // far beyond the delay: the delay ends within the drain
  options.faults.latency = 1000ms;
  Emulator emulator(options);
  emulator.start();
  Reply reply;
  std::thread client([&] { reply = Http(emulator).post("/emit", kEmitBody); });
  ASSERT_TRUE(wait_until([&] { return emulator.stats().requests >= 1; }));
  emulator.stop();  // returns once the request was answered
  client.join();
  EXPECT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["status"], "success");
  EXPECT_EQ(emulator.message_count(), 1);
}

TEST(Drain, DelayEndingAfterTheDrainTimeoutIsAnswered503AtOnce) {
  EmulatorOptions options;
  options.drain_timeout = 30s;
  options.faults.latency = 3600s;  // cannot end within the drain: not worth waiting for
  Emulator emulator(options);
  emulator.start();
  Reply reply;
  std::thread client([&] { reply = Http(emulator).post("/emit", kEmitBody); });
  ASSERT_TRUE(wait_until([&] { return emulator.stats().requests >= 1; }));
  emulator.stop();
  client.join();
  EXPECT_EQ(reply.status, 503) << reply.raw;
  EXPECT_EQ(reply.body["name"], "service-unavailable");
  EXPECT_EQ(emulator.message_count(), 0);
}

TEST(Drain, HandlerBlockedOnTheDatabaseFinishesBeforeStopReturns) {
  TempDir dir;
  EmulatorOptions options;
  options.db_path = dir.file("events.db");
  options.drain_timeout = 60s;
  Emulator emulator(options);
  emulator.start();

  // Another connection holds the database's write lock: the /emit handler waits for it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options.db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Reply reply;
  std::thread client([&] { reply = Http(emulator).post("/emit", kEmitBody); });
  Http scraper(emulator);
  ASSERT_TRUE(wait_until([&] {
    return sample(scraper.get("/metrics").raw, "buildable_store_connections{state=\"busy\"}") == 1;
  }));

  std::thread stopper([&] { emulator.stop(); });
  ASSERT_TRUE(wait_until([&] { return emulator.draining(); }));
  // The listener closes as the drain starts: the handler is still blocked, in flight.
  ASSERT_TRUE(wait_until([&] {
    testing::RawConnection probe(emulator.port(), Clock::now() + 1s);
    return !probe.connected();
  }));
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  stopper.join();
  client.join();
  EXPECT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(emulator.message_count(), 1);
}

TEST(Drain, RequestWhoseBodyIsStillArrivingIsAnswered) {
  EmulatorOptions options;
  options.drain_timeout = 60s;
  options.keys = {{"k", "drain-secret", "test"}};
  Emulator emulator(options);
  emulator.start();
  const auto deadline = [] { return Clock::now() + 10s; };

  // An idle keep-alive connection: closed by the drain, which tells that it has begun.
  testing::RawConnection idle(emulator.port(), deadline());
  ASSERT_TRUE(idle.send_all("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", deadline()));
  ASSERT_TRUE(idle.read_response(deadline()));

  const std::string body = kEmitBody.dump();
  std::string request = testing::http_post(
      "/emit", body, {"X-Buildable-Secret: drain-secret", "Content-Type: application/json"});
  request.resize(request.size() - body.size());  // the head only
  testing::RawConnection sender(emulator.port(), deadline());
  ASSERT_TRUE(sender.send_all(request, deadline()));
  ASSERT_TRUE(wait_until([&] { return emulator.stats().requests >= 1; }));  // its head

  std::thread stopper([&] { emulator.stop(); });
  ASSERT_TRUE(idle.wait_closed(deadline()));
  ASSERT_TRUE(sender.send_all(body, deadline()));
  const auto response = sender.read_response(deadline());
  stopper.join();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_TRUE(response->closes());
  EXPECT_EQ(emulator.message_count(), 1);
}

TEST(Drain, BinaryAnswersTheRequestInFlightBeforeExitingOnSigterm) {
  EmulatorProcess process({"--port", "0", "--secret", "k=bin-drain-secret", "--latency-ms", "1000",
                           "--drain-timeout", "60"});
  Reply reply;
  std::thread client([&] {
    reply = Http("127.0.0.1", process.port(), "bin-drain-secret").post("/emit", kEmitBody);
  });
  // In flight: the emit and this scrape.
  ASSERT_TRUE(wait_until([&] {
    Http scraper("127.0.0.1", process.port(), "");
    return sample(scraper.get("/metrics").raw, "buildable_requests_in_flight") >= 2;
  }));
  process.send_signal(SIGTERM);
  EXPECT_EQ(process.wait_exit(), 0);
  client.join();
  EXPECT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["status"], "success");
}

TEST(Drain, BinaryDrainDelayServesWithReadyz503UntilASecondSignal) {
  EmulatorProcess process(
      {"--port", "0", "--secret", "k=bin-delay-secret", "--drain-delay", "3600"});
  Http http("127.0.0.1", process.port(), "bin-delay-secret");
  EXPECT_EQ(http.get("/readyz").status, 200);
  process.send_signal(SIGTERM);
  Reply ready;
  ASSERT_TRUE(wait_until([&] {
    ready = Http("127.0.0.1", process.port(), "").get("/readyz");
    return ready.status == 503;
  })) << ready.raw;
  EXPECT_EQ(ready.body["status"], "unavailable");
  EXPECT_FALSE(http.emit("still-served").empty());  // still serving while balancers notice
  EXPECT_EQ(http.get("/healthz").status, 200);
  process.send_signal(SIGTERM);  // ends the delay
  EXPECT_EQ(process.wait_exit(), 0);
  EXPECT_NE(process.output().find("draining, serving 3600 s more"), std::string::npos)
      << process.output();
}

}  // namespace
}  // namespace buildable::emulator
