// What the PostgreSQL store promises beyond the protocol (README: "Running your own server"):
// a lost database connection is replaced without repeating a write, a database that stays
// away is answered 503, a schema newer than the server is refused, --migrate-only, and the
// password never shows. The tests that need a database run only beside a cluster (ctest
// emulator.postgresql_store); the others run everywhere.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <future>
#include <memory>

#include "cli.hpp"
#include "emulator_test_support.hpp"
#include "store/store.hpp"
#include "test_database.hpp"

namespace buildable::emulator {
namespace {

using testing::Http;
using testing::json;

#define REQUIRE_POSTGRESQL()                     \
  if (!buildable::testing::testing_postgresql()) \
  GTEST_SKIP() << "needs a PostgreSQL cluster (tests/support/with_postgres.sh)"

EmulatorOptions options_on(const std::string& location) {
  EmulatorOptions options;
  options.db_path = location;
  options.threads = 2;
  return options;
}

std::string database_of(const std::string& location) {
  return location.substr(location.rfind('/') + 1);
}

// The server processes of the emulator's connections to `location`, stopped (SIGSTOP) until
// thawed or destroyed, as those of a frozen database host would be.
class FrozenBackends {
 public:
  explicit FrozenBackends(const std::string& location) {
    buildable::testing::PostgresqlSession admin(std::getenv("BUILDABLE_TEST_POSTGRES"));
    for (const auto& pid :
         admin.run("SELECT pid FROM pg_stat_activity WHERE datname = '" + database_of(location) +
                   "' AND application_name = 'buildable-emulator'")) {
      pids_.push_back(std::stoi(pid));
    }
    for (const int pid : pids_)
      kill(pid, SIGSTOP);
  }
  ~FrozenBackends() { thaw(); }
  FrozenBackends(const FrozenBackends&) = delete;
  FrozenBackends& operator=(const FrozenBackends&) = delete;
  bool any() const { return !pids_.empty(); }
  void thaw() {
    for (const int pid : pids_)
      kill(pid, SIGCONT);
    pids_.clear();
  }

 private:
  std::vector<int> pids_;
};

// Runs the server binary with `args` and returns what it printed (stdout and stderr).
std::string run_server(const std::string& args) {
  const std::string command = std::string(BUILDABLE_EMULATOR_BINARY) + " " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string output;
  char buffer[512];
  while (pipe && fgets(buffer, sizeof buffer, pipe.get()))
    output += buffer;
  return output;
}

TEST(PostgresqlStore, LostConnectionsAreReplacedAndNoWriteHappensTwice) {
  REQUIRE_POSTGRESQL();
  Emulator emulator(options_on(buildable::testing::fresh_store_location()));
  emulator.start();
  Http http(emulator);
  const std::string first = http.emit("restart", {{"n", 1}});
  // As a restarted database would: every pooled connection's next statement fails.
  buildable::testing::drop_postgresql_connections();
  const std::string second = http.emit("restart", {{"n", 2}});
  EXPECT_NE(first, second);
  EXPECT_EQ(emulator.message_count(), 2);
  buildable::testing::drop_postgresql_connections();
  auto claim = http.post("/init", {{"key", second}, {"txKey", "t"}});
  EXPECT_EQ(claim.status, 200) << claim.raw;
  buildable::testing::drop_postgresql_connections();
  auto again = http.post("/init", {{"key", second}, {"txKey", "t"}});
  EXPECT_EQ(again.status, 409) << again.raw;
}

// Two servers on one database, emits alternating between them: createdAt comes from the
// database's clock, so it never goes back whichever server stored a message, and /query pages
// (on either server) list the messages in the order they were acknowledged.
TEST(PostgresqlStore, ServersSharingADatabaseKeepOneOrder) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  Emulator a(options_on(location)), b(options_on(location));
  a.start();
  b.start();
  Http to_a(a), to_b(b);
  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i)
    keys.push_back((i % 2 == 0 ? to_a : to_b).emit("ordered", {{"i", i}}));
  std::vector<std::string> listed;
  std::int64_t previous = 0;
  for (int page = 1; page <= 6; ++page) {
    auto reply = (page % 2 == 0 ? to_a : to_b)
                     .post("/query", {{"eventName", "ordered"},
                                      {"txKey", "t"},
                                      {"since", 0},
                                      {"page", page},
                                      {"pageSize", 10}});
    ASSERT_EQ(reply.status, 200) << reply.raw;
    for (const auto& row : reply.body["rows"]) {
      EXPECT_GE(row["createdAt"].get<std::int64_t>(), previous);
      previous = row["createdAt"].get<std::int64_t>();
      listed.push_back(row["key"].get<std::string>());
    }
  }
  EXPECT_EQ(listed, keys);
  // `since` taken from the 31st message lists it and everything after, from either server.
  const auto since = a.message(keys[30])["createdAt"].get<std::int64_t>();
  auto tail = to_b.post(
      "/query", {{"eventName", "ordered"}, {"txKey", "t"}, {"since", since}, {"pageSize", 100}});
  ASSERT_EQ(tail.status, 200) << tail.raw;
  std::vector<std::string> after;
  for (const auto& row : tail.body["rows"])
    after.push_back(row["key"].get<std::string>());
  ASSERT_GE(after.size(), 30u);
  EXPECT_EQ(std::vector<std::string>(after.end() - 30, after.end()),
            std::vector<std::string>(keys.begin() + 30, keys.end()));
}

TEST(PostgresqlStore, ADatabaseThatStaysAwayIsAnswered503ThenServedAgain) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  EmulatorOptions options = options_on(location);
  options.db_retry_budget = std::chrono::milliseconds(1500);
  Emulator emulator(options);
  emulator.start();
  Http http(emulator);
  http.emit("away");
  const std::string database = database_of(location);
  const std::string admin = std::getenv("BUILDABLE_TEST_POSTGRES");
  buildable::testing::run_postgresql(admin,
                                     "ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
  buildable::testing::drop_postgresql_connections();
  auto refused = http.post("/emit", {{"event", "away"}, {"payload", json::object()}});
  EXPECT_EQ(refused.status, 503) << refused.raw;
  EXPECT_EQ(refused.body.value("name", ""), "service-unavailable") << refused.raw;
  EXPECT_NE(refused.headers.find("Retry-After"), refused.headers.end());
  // Clients are not told where the database is (the server's standard error is).
  EXPECT_EQ(refused.raw.find(database), std::string::npos) << refused.raw;
  EXPECT_EQ(refused.raw.find("127.0.0.1"), std::string::npos) << refused.raw;
  auto readiness = http.get("/readyz");
  EXPECT_EQ(readiness.status, 503) << readiness.raw;
  EXPECT_EQ(readiness.raw.find(database), std::string::npos) << readiness.raw;
  buildable::testing::run_postgresql(admin,
                                     "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
  auto served = http.post("/emit", {{"event", "away"}, {"payload", json::object()}});
  EXPECT_EQ(served.status, 200) << served.raw;
  EXPECT_EQ(emulator.message_count(), 2);  // the refused one was not stored
}

// Handlers run on worker threads: a request retrying through a database outage holds none of
// the I/O threads (one here), so /healthz is answered meanwhile and the request still ends.
TEST(PostgresqlStore, ARequestWaitingForTheDatabaseDoesNotHoldUpHealthz) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  EmulatorOptions options = options_on(location);
  options.threads = 1;
  options.db_retry_budget = std::chrono::seconds(30);
  Emulator emulator(options);
  emulator.start();
  Http(emulator).emit("waiting");
  const std::string database = database_of(location);
  const std::string admin = std::getenv("BUILDABLE_TEST_POSTGRES");
  buildable::testing::run_postgresql(admin,
                                     "ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
  buildable::testing::drop_postgresql_connections();
  auto waiting = std::async(std::launch::async, [&] {
    return Http(emulator).post("/emit", {{"event", "waiting"}, {"payload", json::object()}});
  });
  ASSERT_TRUE(testing::wait_until([&] { return emulator.stats().requests_by_path["/emit"] == 2; }));
  auto health = Http(emulator).get("/healthz");
  const bool emit_still_waiting =
      waiting.wait_for(std::chrono::seconds(0)) == std::future_status::timeout;
  buildable::testing::run_postgresql(admin,
                                     "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
  EXPECT_EQ(health.status, 200) << health.raw;
  EXPECT_TRUE(emit_still_waiting);
  const auto emitted = waiting.get();
  EXPECT_EQ(emitted.status, 200) << emitted.raw;
  EXPECT_EQ(emulator.message_count(), 2);
}

// A stop whose drain deadline has passed lets the handler already running on a worker end, and
// answers the requests queued behind it 503 without applying them.
TEST(PostgresqlStore, AStopAnswersQueuedRequests503WithoutApplyingThem) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  EmulatorOptions options = options_on(location);
  options.db_connections = 1;  // one worker
  options.db_retry_budget = std::chrono::milliseconds(1500);
  options.drain_timeout = std::chrono::seconds(0);
  Emulator emulator(options);
  emulator.start();
  const std::string key = Http(emulator).emit("queued");
  buildable::testing::PostgresqlSession holder(location);
  holder.run("BEGIN");
  holder.run("LOCK TABLE buildable_transactions IN ACCESS EXCLUSIVE MODE");
  auto claim = std::async(std::launch::async, [&] {  // waits for the lock on the worker
    return Http(emulator).post("/init", {{"key", key}, {"txKey", "t"}});
  });
  ASSERT_TRUE(testing::wait_until([&] { return emulator.stats().requests_by_path["/init"] == 1; }));
  auto emit = std::async(std::launch::async, [&] {  // queued behind it
    return Http(emulator).post("/emit", {{"event", "queued"}, {"payload", json::object()}});
  });
  ASSERT_TRUE(testing::wait_until([&] { return emulator.stats().requests_by_path["/emit"] == 2; }));
  emulator.stop();
  holder.run("ROLLBACK");
  claim.get();
  const auto refused = emit.get();
  EXPECT_EQ(refused.status, 503) << refused.raw;
  EXPECT_NE(refused.raw.find("before this request was applied"), std::string::npos) << refused.raw;
  EXPECT_EQ(buildable::testing::PostgresqlSession(location).run(
                "SELECT count(*) FROM buildable_messages"),
            std::vector<std::string>{"1"});
}

// A lock held past the retry budget: the database cancels the waiting statement (lock_timeout)
// and the request is answered 503 while the lock is still held, not once it goes.
TEST(PostgresqlStore, ALockHeldPastTheRetryBudgetIsAnswered503) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  EmulatorOptions options = options_on(location);
  options.db_retry_budget = std::chrono::milliseconds(1000);
  Emulator emulator(options);
  emulator.start();
  Http http(emulator);
  http.emit("locked");
  buildable::testing::PostgresqlSession holder(location);
  holder.run("BEGIN");
  holder.run("LOCK TABLE buildable_messages IN ACCESS EXCLUSIVE MODE");
  auto refused = http.post("/emit", {{"event", "locked"}, {"payload", json::object()}});
  holder.run("ROLLBACK");
  EXPECT_EQ(refused.status, 503) << refused.raw;
  EXPECT_NE(refused.headers.find("Retry-After"), refused.headers.end());
  auto served = http.post("/emit", {{"event", "locked"}, {"payload", json::object()}});
  EXPECT_EQ(served.status, 200) << served.raw;
  EXPECT_EQ(emulator.message_count(), 2);
}

// A database that stops answering altogether (its server processes stopped, as a frozen host
// would be): the request is given up on a second after its budget. The statement was sent, so
// it may still be applied: 500 (maybe done), never 503 (not done).
TEST(PostgresqlStore, ADatabaseThatStopsAnsweringIsGivenUpOn) {
  REQUIRE_POSTGRESQL();
  if (geteuid() != 0) GTEST_SKIP() << "stops the database's server processes (needs root)";
  const std::string location = buildable::testing::fresh_store_location();
  EmulatorOptions options = options_on(location);
  options.db_retry_budget = std::chrono::milliseconds(500);
  Emulator emulator(options);
  emulator.start();
  Http http(emulator);
  http.emit("frozen");
  FrozenBackends backends(location);
  ASSERT_TRUE(backends.any());
  auto lost = http.post("/emit", {{"event", "frozen"}, {"payload", json::object()}});
  backends.thaw();
  EXPECT_EQ(lost.status, 500) << lost.raw;
  EXPECT_NE(lost.raw.find("may have taken effect"), std::string::npos) << lost.raw;
  auto served = http.post("/emit", {{"event", "frozen"}, {"payload", json::object()}});
  EXPECT_EQ(served.status, 200) << served.raw;
}

// The one worker waits on a database that stopped answering: the dashboard's files, /metrics
// and /readyz (503: busy) answer at once; a request queued behind it gives up after its own
// budget (503, not applied) instead of waiting for the ones before it.
TEST(PostgresqlStore, WhileEveryWorkerWaitsOtherRoutesAnswerAndQueuedRequestsGiveUp) {
  REQUIRE_POSTGRESQL();
  if (geteuid() != 0) GTEST_SKIP() << "stops the database's server processes (needs root)";
  const std::string location = buildable::testing::fresh_store_location();
  EmulatorOptions options = options_on(location);
  options.db_connections = 1;
  options.db_retry_budget = std::chrono::milliseconds(500);  // waits end after 1.5 s
  Emulator emulator(options);
  emulator.start();
  const std::string key = Http(emulator).emit("busy");
  FrozenBackends backends(location);
  ASSERT_TRUE(backends.any());
  auto claim = std::async(std::launch::async, [&] {
    return Http(emulator).post("/init", {{"key", key}, {"txKey", "t"}});
  });
  ASSERT_TRUE(testing::wait_until([&] { return emulator.stats().requests_by_path["/init"] == 1; }));
  auto emit = std::async(std::launch::async, [&] {
    return Http(emulator).post("/emit", {{"event", "busy"}, {"payload", json::object()}});
  });
  ASSERT_TRUE(testing::wait_until([&] { return emulator.stats().requests_by_path["/emit"] == 2; }));
  Http probe(emulator);
  const auto page = probe.get("/");
  const auto scrape = probe.get("/metrics");
  const auto ready = probe.get("/readyz");
  const auto queued = emit.get();
  claim.get();
  backends.thaw();
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(scrape.status, 200);
  EXPECT_EQ(ready.status, 503) << ready.raw;
  EXPECT_NE(ready.raw.find("busy"), std::string::npos) << ready.raw;
  EXPECT_EQ(queued.status, 503) << queued.raw;
  EXPECT_NE(queued.raw.find("not applied"), std::string::npos) << queued.raw;
  EXPECT_EQ(buildable::testing::PostgresqlSession(location).run(
                "SELECT count(*) FROM buildable_messages")[0],
            "1");
}

// The clock's row gone (a partial restore): emits fail instead of being acknowledged and not
// stored, and the next server to start puts the row back without moving createdAt back.
TEST(PostgresqlStore, AMissingClockRowFailsEmitsUntilAServerRestoresIt) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  Emulator emulator(options_on(location));
  emulator.start();
  Http http(emulator);
  const std::string first = http.emit("clock");
  buildable::testing::run_postgresql(location, "DELETE FROM buildable_clock");
  auto refused = http.post("/emit", {{"event", "clock"}, {"payload", json::object()}});
  EXPECT_EQ(refused.status, 500) << refused.raw;
  EXPECT_EQ(emulator.message_count(), 1);
  Emulator restarted(options_on(location));
  restarted.start();
  const std::string second = Http(restarted).emit("clock");
  EXPECT_GE(restarted.message(second)["createdAt"].get<std::int64_t>(),
            restarted.message(first)["createdAt"].get<std::int64_t>());
  EXPECT_EQ(restarted.message_count(), 2);
}

TEST(PostgresqlStore, ASchemaNewerThanTheServerIsRefused) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  { Emulator(options_on(location)).start(); }
  buildable::testing::run_postgresql(
      location, "INSERT INTO buildable_schema_migrations(version, description) VALUES (999, 'x')");
  Emulator newer(options_on(location));
  try {
    newer.start();
    FAIL() << "started on a schema from the future";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this server"), std::string::npos) << e.what();
  }
}

TEST(PostgresqlStore, MigrateOnlyAppliesTheSchemaOnceAndSaysWhat) {
  REQUIRE_POSTGRESQL();
  const std::string location = buildable::testing::fresh_store_location();
  const std::string first = run_server("--store " + location + " --migrate-only");
  EXPECT_NE(first.find("applied 1: messages and transactions"), std::string::npos) << first;
  const std::string second = run_server("--store " + location + " --migrate-only");
  EXPECT_EQ(second.find("applied"), std::string::npos) << second;
  EXPECT_NE(second.find("schema up to date"), std::string::npos) << second;
}

// What start() throws on `location` ("" when it starts).
std::string start_error(const std::string& location) {
  try {
    Emulator(options_on(location)).start();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(PostgresqlStore, ThePasswordNeverShows) {
  const std::string location = "postgresql://someone:hunter2pw@127.0.0.1:1/events";
  const std::string shown = detail::describe_store_location(location);
  EXPECT_EQ(shown, "postgresql://someone@127.0.0.1:1/events (PostgreSQL)");
  const std::string refused = start_error(location);
  EXPECT_EQ(refused.find("hunter2pw"), std::string::npos) << refused;
  EXPECT_NE(refused.find("127.0.0.1"), std::string::npos) << refused;
  const std::string output = run_server("--store " + location + " --migrate-only");
  EXPECT_EQ(output.find("hunter2pw"), std::string::npos) << output;
  EXPECT_NE(output.find("buildable-emulator:"), std::string::npos) << output;
  // Locations libpq cannot read: its reason quotes the text, so it is not shown.
  for (const std::string unreadable :
       {"postgresql://someone:hunter2pw@[::1/events", "postgresql://someone:hunter2%zzpw@h/db",
        "host=127.0.0.1 password=hunter2pw hunter2more",
        // Raw '/' and '@' in a password: libpq would read part of it as a host or port.
        "postgresql://someone:Ab/hunter2Tail@127.0.0.1:1/events",
        "postgresql://someone:Ab@hunter2Tail@127.0.0.1:1/events"}) {
    SCOPED_TRACE(unreadable);
    const std::string unread = start_error(unreadable);
    EXPECT_EQ(unread.find("hunter2"), std::string::npos) << unread;
    EXPECT_TRUE(unread.find("cannot read") != std::string::npos ||
                unread.find("percent-encode") != std::string::npos)
        << unread;
    EXPECT_EQ(detail::describe_store_location(unreadable).find("hunter2"), std::string::npos);
    const std::string said = run_server("--store '" + unreadable + "' --migrate-only");
    EXPECT_EQ(said.find("hunter2"), std::string::npos) << said;
  }
}

TEST(PostgresqlStore, TheStoreFlagsAreParsed) {
  auto line = detail::parse_command_line({"--store", "postgresql://u@h/db", "--db-connections", "3",
                                          "--db-retry-ms=250", "--migrate-only"});
  EXPECT_EQ(line.options.db_path, "postgresql://u@h/db");
  EXPECT_EQ(line.options.db_connections, 3);
  EXPECT_EQ(line.options.db_retry_budget, std::chrono::milliseconds(250));
  EXPECT_TRUE(line.migrate_only);
  EXPECT_THROW(detail::parse_command_line({"--store", ""}), std::invalid_argument);
  EXPECT_THROW(detail::parse_command_line({"--db-connections", "0"}), std::invalid_argument);
  EXPECT_THROW(Emulator([] {
                 EmulatorOptions options;
                 options.db_connections = 0;
                 return options;
               }()),
               std::invalid_argument);
}

TEST(PostgresqlStore, LocationsAreToldApart) {
  EXPECT_TRUE(detail::is_postgresql_location("postgresql://h/db"));
  EXPECT_TRUE(detail::is_postgresql_location("postgres://h/db"));
  EXPECT_TRUE(detail::is_postgresql_location("host=h dbname=db"));
  EXPECT_FALSE(detail::is_postgresql_location("events.db"));
  EXPECT_FALSE(detail::is_postgresql_location("/var/lib/postgresql.db"));
  EXPECT_EQ(detail::describe_store_location(""), "in-memory");
  EXPECT_EQ(detail::describe_store_location("events.db"), "events.db (SQLite, WAL)");
}

}  // namespace
}  // namespace buildable::emulator
