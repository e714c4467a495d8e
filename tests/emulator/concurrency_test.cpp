// Claims race: a (message key, txKey) pair is claimed exactly once, whether the racers are
// threads of one emulator, emulator instances sharing one database file, or processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "emulator_test_support.hpp"
#include "temp_dir.hpp"
#include "test_database.hpp"

namespace buildable::emulator {
namespace {

using testing::EmulatorProcess;
using testing::Http;
using testing::json;
using testing::TempDir;

constexpr int kMessages = 500;
const std::string kSecret = "race-secret";

struct Target {
  int port;
};

// Every racer walks all keys in its own random order and tries to claim each one.
void race(const std::vector<std::string>& keys, const std::vector<Target>& targets,
          int racers_per_target) {
  std::vector<std::atomic<int>> claims(keys.size());
  std::atomic<int> conflicts{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> racers;
  int index = 0;
  for (const auto& target : targets) {
    for (int r = 0; r < racers_per_target; ++r, ++index) {
      racers.emplace_back([&, port = target.port, seed = index] {
        Http http("127.0.0.1", port, kSecret);
        std::vector<std::size_t> order(keys.size());
        for (std::size_t i = 0; i < order.size(); ++i)
          order[i] = i;
        std::shuffle(order.begin(), order.end(), std::mt19937(static_cast<unsigned>(seed)));
        for (auto i : order) {
          auto reply = http.post("/init", {{"key", keys[i]}, {"txKey", "racers"}});
          if (reply.status == 200) {
            ++claims[i];
          } else if (reply.status == 409) {
            ++conflicts;
          } else {
            ++unexpected;
          }
        }
      });
    }
  }
  for (auto& t : racers)
    t.join();
  const int racer_count = index;
  int once = 0;
  int twice = 0;
  int never = 0;
  for (auto& c : claims) {
    if (c == 1) ++once;
    if (c > 1) ++twice;
    if (c == 0) ++never;
  }
  EXPECT_EQ(once, static_cast<int>(keys.size()));
  EXPECT_EQ(twice, 0);
  EXPECT_EQ(never, 0);
  EXPECT_EQ(unexpected, 0);
  EXPECT_EQ(conflicts, static_cast<int>(keys.size()) * (racer_count - 1));
}

EmulatorOptions options_for(const std::string& db_path) {
  EmulatorOptions options;
  options.db_path = db_path;
  options.keys = {{"demo", kSecret, "test"}};
  options.threads = 16;
  return options;
}

std::vector<std::string> emit_all(int port) {
  Http http("127.0.0.1", port, kSecret);
  std::vector<std::string> keys;
  for (int i = 0; i < kMessages; ++i)
    keys.push_back(http.emit("race", {{"i", i}}));
  return keys;
}

json unclaimed(int port) {
  Http http("127.0.0.1", port, kSecret);
  return http.post("/query", {{"eventName", "race"}, {"txKey", "racers"}, {"since", 0}})
      .body["total"];
}

TEST(ClaimRace, ThreadsWithSeparateConnectionsOneEmulator) {
  Emulator emulator(options_for(buildable::testing::fresh_store_location()));
  emulator.start();
  const auto keys = emit_all(emulator.port());
  emulator.reset_stats();
  race(keys, {{emulator.port()}}, 8);
  EXPECT_EQ(emulator.stats().connections, 8u);
  EXPECT_EQ(unclaimed(emulator.port()), 0);
}

// With PostgreSQL (the suite's run beside a cluster), the three share one database instead.
TEST(ClaimRace, EmulatorInstancesSharingOneDatabaseFile) {
  TempDir dir;
  const auto db = buildable::testing::testing_postgresql()
                      ? buildable::testing::fresh_store_location()
                      : dir.file("shared.db");
  Emulator a(options_for(db)), b(options_for(db)), c(options_for(db));
  a.start();
  b.start();
  c.start();
  const auto keys = emit_all(b.port());
  EXPECT_EQ(a.message_count(), kMessages);
  race(keys, {{a.port()}, {b.port()}, {c.port()}}, 3);
  EXPECT_EQ(unclaimed(c.port()), 0);
}

TEST(ClaimRace, EmulatorProcessesSharingOneDatabaseFile) {
  TempDir dir;
  const auto db = buildable::testing::testing_postgresql()
                      ? buildable::testing::fresh_store_location()
                      : dir.file("shared.db");
  const std::vector<std::string> args = {"--db",      db, "--secret", "demo=" + kSecret,
                                         "--threads", "8"};
  EmulatorProcess p1(args), p2(args), p3(args);
  const auto keys = emit_all(p1.port());
  race(keys, {{p1.port()}, {p2.port()}, {p3.port()}}, 2);
  EXPECT_EQ(unclaimed(p3.port()), 0);
  EXPECT_EQ(p1.stop(), 0);
  EXPECT_EQ(p2.stop(SIGINT), 0);
  EXPECT_EQ(p3.stop(), 0);
}

}  // namespace
}  // namespace buildable::emulator
