// Start/stop, options validation, persistence across restarts, stats, command line.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "auth.hpp"
#include "cli.hpp"
#include "emulator_test_support.hpp"
#include "temp_dir.hpp"

namespace buildable::emulator {
namespace {

using testing::EmulatorProcess;
using testing::Http;
using testing::json;
using testing::TempDir;

TEST(Lifecycle, DefaultKeyIsADemoTestKeyWithARandomSecret) {
  Emulator a, b;
  ASSERT_EQ(a.keys().size(), 1u);
  EXPECT_EQ(a.keys()[0].name, "demo");
  EXPECT_EQ(a.keys()[0].environment, "test");
  EXPECT_FALSE(a.default_secret().empty());
  EXPECT_NE(a.default_secret(), b.default_secret());
}

TEST(Lifecycle, StartsOnAnEphemeralPortAndStopsIdempotently) {
  Emulator emulator;
  emulator.start();
  emulator.start();  // no-op
  EXPECT_TRUE(emulator.running());
  EXPECT_GT(emulator.port(), 0);
  EXPECT_EQ(emulator.base_url(), "http://127.0.0.1:" + std::to_string(emulator.port()));
  Http http(emulator);
  EXPECT_EQ(http.post("/emit", {{"event", "e"}, {"payload", json::object()}}).status, 200);
  emulator.stop();
  emulator.stop();
  EXPECT_FALSE(emulator.running());
  Http after(emulator);
  EXPECT_EQ(after.post("/emit", {{"event", "e"}, {"payload", json::object()}}).status, 0);
}

TEST(Lifecycle, RestartKeepsInMemoryDataOfTheSameObject) {
  Emulator emulator;
  emulator.start();
  Http(emulator).emit("e");
  emulator.stop();
  emulator.start();
  EXPECT_EQ(emulator.message_count(), 1);
  Http http(emulator);
  EXPECT_EQ(http.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}}).body["total"],
            1);
}

TEST(Lifecycle, StopIsPromptWithIdleKeepAliveConnections) {
  EmulatorOptions options;
  options.keep_alive_timeout = std::chrono::seconds(60);
  Emulator emulator(options);
  emulator.start();
  Http idle1(emulator), idle2(emulator);
  idle1.emit("e");
  idle2.emit("e");
  const auto start = std::chrono::steady_clock::now();
  emulator.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Lifecycle, BusyPortThrows) {
  Emulator first;
  first.start();
  EmulatorOptions options;
  options.port = first.port();
  Emulator second(options);
  EXPECT_THROW(second.start(), std::runtime_error);
}

TEST(Lifecycle, InvalidOptionsThrowInvalidArgument) {
  auto with_keys = [](std::vector<SecretKey> keys) {
    EmulatorOptions options;
    options.keys = std::move(keys);
    return options;
  };
  EXPECT_THROW(Emulator(with_keys({{"", "s", "test"}})), std::invalid_argument);
  EXPECT_THROW(Emulator(with_keys({{"a", "", "test"}})), std::invalid_argument);
  EXPECT_THROW(Emulator(with_keys({{"a", "s", "prod"}})), std::invalid_argument);
  EXPECT_THROW(Emulator(with_keys({{"a.b", "s", "test"}})), std::invalid_argument);
  EXPECT_THROW(Emulator(with_keys({{"a", "s\nx", "test"}})), std::invalid_argument);
  EXPECT_THROW(Emulator(with_keys({{"a", std::string("s\0x", 3), "test"}})), std::invalid_argument);
  EXPECT_THROW(Emulator(with_keys({{"a", "s", "test"}, {"b", "s", "live"}})),
               std::invalid_argument);
  EmulatorOptions no_threads;
  no_threads.threads = 0;
  EXPECT_THROW(Emulator{no_threads}, std::invalid_argument);
  EmulatorOptions no_connections;
  no_connections.max_connections = 0;
  EXPECT_THROW(Emulator{no_connections}, std::invalid_argument);
  for (auto timeout : {&EmulatorOptions::keep_alive_timeout, &EmulatorOptions::header_timeout,
                       &EmulatorOptions::body_timeout}) {
    EmulatorOptions zero;
    zero.*timeout = std::chrono::seconds(0);
    EXPECT_THROW(Emulator{zero}, std::invalid_argument);
  }
}

TEST(Lifecycle, BadDatabasePathThrowsRuntimeError) {
  EmulatorOptions options;
  options.db_path = "/nonexistent-dir/x/y.db";
  Emulator emulator(options);
  EXPECT_THROW(emulator.start(), std::runtime_error);
}

TEST(Lifecycle, StatsCountRequestsPathsAndConnections) {
  Emulator emulator;
  emulator.start();
  {
    Http http(emulator);
    for (int i = 0; i < 20; ++i)
      http.emit("e");
    http.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}});
  }
  Http other(emulator);
  other.emit("e");
  auto stats = emulator.stats();
  EXPECT_EQ(stats.requests, 22u);
  EXPECT_EQ(stats.connections, 2u);
  EXPECT_EQ(stats.requests_by_path["/emit"], 21u);
  EXPECT_EQ(stats.requests_by_path["/query"], 1u);
  emulator.reset_stats();
  EXPECT_EQ(emulator.stats().requests, 0u);
  EXPECT_EQ(emulator.stats().connections, 0u);
}

TEST(Persistence, MessagesAndTransactionsSurviveARestart) {
  TempDir dir;
  EmulatorOptions options;
  options.db_path = dir.file("events.db");
  options.keys = {{"demo", "persist-secret", "test"}};
  std::string kept, claimed;
  std::int64_t last_created = 0;
  {
    Emulator first(options);
    first.start();
    Http http(first);
    kept = http.emit("e", {{"n", 1}});
    claimed = http.emit("e", {{"n", 2}});
    ASSERT_EQ(http.post("/init", {{"key", claimed}, {"txKey", "t"}}).status, 200);
    ASSERT_EQ(
        http.post("/transact",
                  {{"key", claimed}, {"txKey", "t"}, {"state", "finished"}, {"output", "done"}})
            .status,
        200);
    last_created = first.message(claimed)["createdAt"];
  }
  Emulator second(options);
  second.start();
  Http http(second);
  auto open = http.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}});
  ASSERT_EQ(open.body["total"], 1);
  EXPECT_EQ(open.body["rows"][0]["key"], kept);
  auto done = http.post(
      "/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}, {"txState", "finished"}});
  ASSERT_EQ(done.body["total"], 1);
  EXPECT_EQ(second.transaction(claimed, "t")["output"], "done");
  EXPECT_EQ(http.post("/init", {{"key", claimed}, {"txKey", "t"}}).status, 409);
  // New messages sort after the old ones.
  const auto fresh = http.emit("e");
  EXPECT_GE(second.message(fresh)["createdAt"].get<std::int64_t>(), last_created);
  auto after = http.post("/query", {{"eventName", "e"}, {"txKey", "other"}, {"since", 0}});
  ASSERT_EQ(after.body["total"], 3);
  EXPECT_EQ(after.body["rows"][2]["key"], fresh);
}

// A database file written before claim tokens existed: its transactions table gains the
// column when opened, and both old claims and tokened ones work.
TEST(Persistence, ADatabaseFromBeforeClaimTokensIsUpgraded) {
  TempDir dir;
  EmulatorOptions options;
  options.db_path = dir.file("old.db");
  options.keys = {{"demo", "old-secret", "test"}};
  std::string old_key;
  {
    Emulator first(options);
    first.start();
    old_key = Http(first).emit("e");
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options.db_path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "ALTER TABLE transactions DROP COLUMN claim_token", nullptr, nullptr,
                           nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  Emulator second(options);
  second.start();
  Http http(second);
  const json claim = {{"key", old_key}, {"txKey", "t"}, {"claimToken", "again"}};
  ASSERT_EQ(http.post("/init", claim).status, 200);
  EXPECT_EQ(http.post("/init", claim).status, 200);
}

TEST(Persistence, BinaryWithDbKeepsMessagesAcrossRestart) {
  TempDir dir;
  const std::vector<std::string> args = {"--db", dir.file("bin.db"), "--secret", "demo=bin-secret"};
  std::string key;
  {
    EmulatorProcess process(args);
    key = Http("127.0.0.1", process.port(), "bin-secret").emit("persisted");
    EXPECT_EQ(process.stop(), 0);
  }
  EmulatorProcess process(args);
  auto reply = Http("127.0.0.1", process.port(), "bin-secret")
                   .post("/query", {{"eventName", "persisted"}, {"txKey", "t"}, {"since", 0}});
  ASSERT_EQ(reply.body["total"], 1) << reply.raw;
  EXPECT_EQ(reply.body["rows"][0]["key"], key);
}

TEST(CommandLine, ParsesEveryFlag) {
  auto line = detail::parse_command_line({"--host",
                                          "0.0.0.0",
                                          "--port=8080",
                                          "--db",
                                          "/tmp/x.db",
                                          "--secret",
                                          "demo=abc",
                                          "--secret",
                                          "prod=k:e:y:live",
                                          "--latency-ms",
                                          "25",
                                          "--fault",
                                          "503:0.1:/emit",
                                          "--fault-seed=9",
                                          "--threads",
                                          "8",
                                          "--keep-alive-timeout",
                                          "3",
                                          "--max-connections",
                                          "77",
                                          "--header-timeout=4",
                                          "--body-timeout",
                                          "5"});
  const auto& o = line.options;
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.db_path, "/tmp/x.db");
  ASSERT_EQ(o.keys.size(), 2u);
  EXPECT_EQ(o.keys[0].name, "demo");
  EXPECT_EQ(o.keys[0].secret, "abc");
  EXPECT_EQ(o.keys[0].environment, "test");
  EXPECT_EQ(o.keys[1].secret, "k:e:y");
  EXPECT_EQ(o.keys[1].environment, "live");
  EXPECT_EQ(o.faults.latency, std::chrono::milliseconds(25));
  ASSERT_EQ(o.faults.rules.size(), 1u);
  EXPECT_EQ(o.faults.rules[0].kind, FaultKind::status_503);
  EXPECT_EQ(o.faults.seed, 9u);
  EXPECT_EQ(o.threads, 8);
  EXPECT_EQ(o.keep_alive_timeout, std::chrono::seconds(3));
  EXPECT_EQ(o.max_connections, 77);
  EXPECT_EQ(o.header_timeout, std::chrono::seconds(4));
  EXPECT_EQ(o.body_timeout, std::chrono::seconds(5));
  EXPECT_FALSE(line.help);
  EXPECT_TRUE(detail::parse_command_line({"--help"}).help);
}

TEST(CommandLine, RejectsBadArguments) {
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"--port"},
                                             {"--port", "70000"},
                                             {"--port", "abc"},
                                             {"--secret", "nokey"},
                                             {"--secret", "=k"},
                                             {"--fault", "999:1"},
                                             {"--threads", "0"},
                                             {"--max-connections", "0"},
                                             {"--header-timeout", "0"},
                                             {"--body-timeout", "-1"},
                                             {"--bogus"}}) {
    EXPECT_THROW(detail::parse_command_line(bad), std::invalid_argument) << bad[0];
  }
}

}  // namespace
}  // namespace buildable::emulator
