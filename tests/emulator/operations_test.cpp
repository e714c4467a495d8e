// The operations endpoints over real HTTP: /healthz, /readyz (database down, draining) and
// /metrics (Prometheus text format: request counters by endpoint and status, duration
// histograms, gauges), none of which needs a secret.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "auth.hpp"
#include "context.hpp"
#include "emulator_test_support.hpp"
#include "faults.hpp"
#include "http/http_server.hpp"
#include "operations_state.hpp"
#include "raw_socket.hpp"
#include "router.hpp"
#include "stats.hpp"
#include "store/store.hpp"

namespace buildable::emulator {
namespace {

using namespace std::chrono_literals;
using testing::Http;
using testing::json;
using testing::Reply;
using testing::wait_until;

std::string header(const Reply& reply, const std::string& name) {
  const auto it = reply.headers.find(name);
  return it == reply.headers.end() ? std::string() : it->second;
}

/// The samples of a text exposition: `name{labels}` -> value (comment lines skipped).
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> result;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    result[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return result;
}

double sample(const std::string& text, const std::string& series) {
  const auto all = samples(text);
  const auto it = all.find(series);
  return it == all.end() ? -1 : it->second;
}

TEST(Operations, HealthzAndReadyzAnswerWithoutASecret) {
  Emulator emulator;
  emulator.start();
  Http http(emulator);
  const Reply health = http.get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, json({{"status", "ok"}}));
  EXPECT_EQ(header(health, "Cache-Control"), "no-store");
  const Reply ready = http.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, json({{"status", "ready"}}));

  auto head = http.client().Head("/readyz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());

  const Reply post = http.raw("/healthz", "{}", {}, "application/json");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.body["name"], "method-not-allowed");
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");

  // Probes are not requests of EmulatorStats.
  EXPECT_EQ(emulator.stats().requests, 0u);
  EXPECT_EQ(emulator.stats().connections, 0u);
}

TEST(Operations, ReadyzIs503WhileDrainingAndServesAgainAfterARestart) {
  Emulator emulator;
  emulator.start();
  EXPECT_FALSE(emulator.draining());
  emulator.begin_drain();
  EXPECT_TRUE(emulator.draining());
  Http http(emulator);
  const Reply ready = http.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body["status"], "unavailable");
  EXPECT_NE(ready.body["reason"].get<std::string>().find("draining"), std::string::npos);
  // Everything else is still served while a balancer takes the instance out.
  EXPECT_EQ(http.get("/healthz").status, 200);
  EXPECT_FALSE(http.emit("still-served").empty());
  const Reply metrics = http.get("/metrics");
  EXPECT_EQ(sample(metrics.raw, "buildable_draining"), 1);

  emulator.stop();
  EXPECT_TRUE(emulator.draining());
  emulator.start();
  EXPECT_FALSE(emulator.draining());
  Http again(emulator);
  EXPECT_EQ(again.get("/readyz").status, 200);
}

/// A database that does not answer: every call fails, check_ready() says why.
class DownStore final : public detail::Store {
 public:
  explicit DownStore(std::string reason) : reason_(std::move(reason)) {}
  detail::MessageRecord insert_message(const detail::NewMessage&) override { throw down(); }
  detail::QueryResult query(const detail::QueryFilter&) override { throw down(); }
  detail::ClaimResult claim(const std::string&, const std::string&, const std::string&,
                            const std::string&, const std::string&) override {
    throw down();
  }
  detail::FinishResult finish(const std::string&, const std::string&, const std::string&,
                              const std::string&, const std::string&, const std::string&) override {
    throw down();
  }
  std::optional<detail::MessageRecord> set_state(const std::string&, const std::string&,
                                                 const std::string&, const std::string&,
                                                 const std::string&) override {
    throw down();
  }
  std::optional<detail::MessageRecord> message(const std::string&) override { throw down(); }
  std::optional<detail::TransactionRecord> transaction(const std::string&,
                                                       const std::string&) override {
    throw down();
  }
  std::int64_t message_count() override { throw down(); }
  detail::BrowsePage browse(const detail::BrowseFilter&) override { throw down(); }
  std::vector<std::string> event_names(const std::string&, std::int64_t) override { throw down(); }
  std::string check_ready() noexcept override { return reason_; }
  detail::StorePoolUsage pool_usage() const noexcept override { return {3, 2, 8}; }

 private:
  detail::StoreUnavailable down() const { return detail::StoreUnavailable(reason_); }
  std::string reason_;
};

/// The emulator's router and HTTP core over a DownStore.
struct ServerOverDownStore {
  explicit ServerOverDownStore(const std::string& reason)
      : keys({{"k", "secret-of-k", "test"}}),
        store(reason),
        context(keys, store, faults, stats, operations),
        router(context),
        server(router, [&] {
          detail::http::HttpServerOptions options;
          options.threads = 1;
          options.gauges = &operations.gauges;
          return options;
        }()) {
    server.start();
  }
  detail::KeyRing keys;
  DownStore store;
  detail::FaultInjector faults;
  detail::StatsCollector stats;
  detail::OperationsState operations;
  detail::ServerContext context;
  detail::Router router;
  detail::http::HttpServer server;
};

TEST(Operations, ReadyzIs503WithTheDatabasesReasonWhenItDoesNotAnswer) {
  const std::string reason = "could not connect to server: Connection refused";
  ServerOverDownStore down(reason);
  Http http("127.0.0.1", down.server.port(), "secret-of-k");
  EXPECT_EQ(http.get("/healthz").status, 200);  // no database access
  const Reply ready = http.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, json({{"status", "unavailable"}, {"reason", reason}}));
  EXPECT_EQ(http.post("/emit", {{"event", "e"}, {"payload", json::object()}}).status, 503);

  const Reply metrics = http.get("/metrics");
  EXPECT_EQ(sample(metrics.raw, "buildable_store_connections{state=\"open\"}"), 3);
  EXPECT_EQ(sample(metrics.raw, "buildable_store_connections{state=\"busy\"}"), 2);
  EXPECT_EQ(sample(metrics.raw, "buildable_store_connections_max"), 8);
  EXPECT_EQ(sample(metrics.raw, "buildable_connections_open"), 1);
  EXPECT_EQ(sample(metrics.raw, "buildable_requests_in_flight"), 1);  // this scrape
}

TEST(Operations, MetricsExposeRequestsDurationsAndGauges) {
  Emulator emulator;
  emulator.start();
  Http http(emulator);
  for (int i = 0; i < 3; ++i)
    http.emit("counted");
  Http stranger(emulator, "not-a-key");
  EXPECT_EQ(stranger.post("/query", json::object()).status, 401);
  EXPECT_EQ(http.get("/").status, 200);               // the dashboard's page
  EXPECT_EQ(http.get("/no-such-thing").status, 404);  // other
  EXPECT_EQ(http.get("/healthz").status, 200);        // operations
  testing::RawConnection raw(emulator.port(), testing::Clock::now() + 5s);
  ASSERT_TRUE(raw.send_all("HELLO THERE\r\n\r\n", testing::Clock::now() + 5s));
  const auto refused = raw.read_response(testing::Clock::now() + 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);  // unparsed: endpoint "other"

  // A request is counted once its answer is written, which the client may see first.
  const auto series = [](const std::string& endpoint, int status) {
    return "buildable_requests_total{endpoint=\"" + endpoint + "\",status=\"" +
           std::to_string(status) + "\"}";
  };
  Reply metrics;
  int scrapes = 0;
  ASSERT_TRUE(wait_until([&] {
    metrics = http.get("/metrics");
    ++scrapes;
    return sample(metrics.raw, series("other", 400)) == 1;
  })) << metrics.raw;
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(header(metrics, "Content-Type"), "text/plain; version=0.0.4");
  EXPECT_EQ(sample(metrics.raw, series("/emit", 200)), 3);
  EXPECT_EQ(sample(metrics.raw, series("/query", 401)), 1);
  EXPECT_EQ(sample(metrics.raw, series("dashboard", 200)), 1);
  EXPECT_EQ(sample(metrics.raw, series("other", 404)), 1);
  // /healthz and the earlier scrapes: this connection's requests were counted before the next.
  EXPECT_EQ(sample(metrics.raw, series("operations", 200)), scrapes);

  // Histograms: cumulative buckets up to +Inf = _count, a positive _sum, per endpoint.
  const std::string histogram = "buildable_request_duration_seconds";
  const auto all = samples(metrics.raw);
  double previous = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    const std::string bucket = histogram + "_bucket{endpoint=\"/emit\",le=\"" + le + "\"}";
    ASSERT_EQ(all.count(bucket), 1u) << bucket;
    EXPECT_GE(all.at(bucket), previous) << bucket;
    previous = all.at(bucket);
  }
  EXPECT_EQ(previous, 3);
  EXPECT_EQ(all.at(histogram + "_count{endpoint=\"/emit\"}"), 3);
  EXPECT_GT(all.at(histogram + "_sum{endpoint=\"/emit\"}"), 0);
  EXPECT_EQ(all.at(histogram + "_count{endpoint=\"/init\"}"), 0);

  // Gauges: SQLite has one connection; this client's and the raw one's connections are open.
  EXPECT_EQ(all.at("buildable_store_connections{state=\"open\"}"), 1);
  EXPECT_EQ(all.at("buildable_store_connections_max"), 1);
  EXPECT_GE(all.at("buildable_connections_open"), 1);
  EXPECT_EQ(all.at("buildable_draining"), 0);

  // The format: every family has HELP and TYPE, every sample line is `series value`.
  for (const char* family :
       {"buildable_requests_total counter", "buildable_request_duration_seconds histogram",
        "buildable_store_connections gauge", "buildable_store_connections_max gauge",
        "buildable_connections_open gauge"}) {
    const std::string name = std::string(family).substr(0, std::string(family).find(' '));
    EXPECT_NE(metrics.raw.find("# HELP " + name + " "), std::string::npos) << name;
    EXPECT_NE(metrics.raw.find("# TYPE " + std::string(family) + "\n"), std::string::npos)
        << family;
  }
  const std::regex sample_line(
      R"(^[a-z_]+(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? [0-9][0-9.e+-]*$)");
  std::istringstream lines(metrics.raw);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample_line)) << line;
  }
  EXPECT_EQ(metrics.raw.back(), '\n');
}

TEST(Operations, MetricsLabelsStayBoundedWhateverClientsSend) {
  Emulator emulator;
  emulator.start();
  Http http(emulator);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(http.get("/random-" + std::to_string(i) + "?x=" + std::to_string(i)).status, 404);
  Reply metrics;
  ASSERT_TRUE(wait_until([&] {
    metrics = http.get("/metrics");
    return sample(metrics.raw, "buildable_requests_total{endpoint=\"other\",status=\"404\"}") == 50;
  })) << metrics.raw;
  EXPECT_EQ(metrics.raw.find("random"), std::string::npos);
  // One series for the 50 paths (and one for the scrapes themselves).
  std::vector<std::string> series;
  for (const auto& [name, value] : samples(metrics.raw))
    if (name.rfind("buildable_requests_total", 0) == 0) series.push_back(name);
  EXPECT_LE(series.size(), 2u) << ::testing::PrintToString(series);
}

}  // namespace
}  // namespace buildable::emulator
