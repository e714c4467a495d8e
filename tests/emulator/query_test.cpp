// /query: pagination edges, `since`, ordering, and the txState filters through the life of a
// transaction.
#include <gtest/gtest.h>

#include <set>

#include "emulator_test_support.hpp"
#include "test_database.hpp"

namespace buildable::emulator {
namespace {

using testing::Http;
using testing::json;

class Query : public ::testing::Test {
 protected:
  Query() : emulator_(small_options()) {
    emulator_.start();
    http_ = std::make_unique<Http>(emulator_);
  }
  static EmulatorOptions small_options() {
    EmulatorOptions options;
    options.threads = 4;
    options.db_path = buildable::testing::fresh_store_location();
    return options;
  }

  json query(json body) {
    body.emplace("eventName", "e");
    body.emplace("txKey", "t");
    body.emplace("since", 0);
    auto reply = http_->post("/query", body);
    EXPECT_EQ(reply.status, 200) << reply.raw;
    return reply.body;
  }
  std::vector<std::string> keys_of(const json& page) {
    std::vector<std::string> keys;
    for (const auto& row : page["rows"])
      keys.push_back(row["key"]);
    return keys;
  }

  Emulator emulator_;
  std::unique_ptr<Http> http_;
};

TEST_F(Query, EmptyResult) {
  auto page = query(json::object());
  EXPECT_EQ(page["rows"], json::array());
  EXPECT_EQ(page["total"], 0);
  EXPECT_EQ(page["totalPages"], 0);
  EXPECT_EQ(page["page"], 1);
}

TEST_F(Query, PagesAreOldestFirstAndConsistent) {
  std::vector<std::string> emitted;
  for (int i = 0; i < 25; ++i)
    emitted.push_back(http_->emit("e", {{"i", i}}));
  http_->emit("other-event", {});

  std::vector<std::string> seen;
  for (int p = 1; p <= 3; ++p) {
    auto page = query({{"page", p}, {"pageSize", 10}});
    EXPECT_EQ(page["total"], 25);
    EXPECT_EQ(page["totalPages"], 3);
    EXPECT_EQ(page["page"], p);
    EXPECT_EQ(page["pageSize"], 10);
    EXPECT_EQ(page["rows"].size(), p < 3 ? 10u : 5u);
    for (const auto& key : keys_of(page))
      seen.push_back(key);
  }
  EXPECT_EQ(seen, emitted);

  // createdAt never decreases (ties, within a millisecond, keep emission order) and never runs
  // ahead of the clock.
  auto all = query({{"pageSize", 100}});
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (std::size_t i = 1; i < all["rows"].size(); ++i) {
    EXPECT_LE(all["rows"][i - 1]["createdAt"].get<std::int64_t>(),
              all["rows"][i]["createdAt"].get<std::int64_t>());
  }
  EXPECT_LE(all["rows"].back()["createdAt"].get<std::int64_t>(), now);
}

TEST_F(Query, PageBeyondTheEndIsEmptyWithTotals) {
  for (int i = 0; i < 3; ++i)
    http_->emit("e");
  auto page = query({{"page", 5}, {"pageSize", 2}});
  EXPECT_EQ(page["rows"], json::array());
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["totalPages"], 2);
  EXPECT_EQ(page["page"], 5);
}

TEST_F(Query, DefaultPageSizeIs10AndMaxIs100) {
  for (int i = 0; i < 105; ++i)
    http_->emit("e");
  auto defaults = query(json::object());
  EXPECT_EQ(defaults["pageSize"], 10);
  EXPECT_EQ(defaults["rows"].size(), 10u);
  EXPECT_EQ(defaults["totalPages"], 11);
  auto max = query({{"pageSize", 100}});
  EXPECT_EQ(max["rows"].size(), 100u);
  EXPECT_EQ(max["totalPages"], 2);
  auto rest = query({{"pageSize", 100}, {"page", 2}});
  EXPECT_EQ(rest["rows"].size(), 5u);
  // 101 is rejected, not clamped (see emulator/README.md).
  auto too_big =
      http_->post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}, {"pageSize", 101}});
  EXPECT_EQ(too_big.status, 400);
  // Integral floats are accepted.
  auto floaty = query({{"pageSize", 5.0}, {"page", 2.0}});
  EXPECT_EQ(floaty["rows"].size(), 5u);
}

TEST_F(Query, SinceIsInclusiveEpochMilliseconds) {
  const auto early =
      emulator_.inject_message("test", "custom", "demo", "e", {{"n", 1}}, {}, {}, 1000);
  const auto exact =
      emulator_.inject_message("test", "custom", "demo", "e", {{"n", 2}}, {}, {}, 2000);
  const auto late =
      emulator_.inject_message("test", "custom", "demo", "e", {{"n", 3}}, {}, {}, 3000);
  EXPECT_EQ(keys_of(query({{"since", 2000}})), (std::vector<std::string>{exact, late}));
  EXPECT_EQ(keys_of(query({{"since", 1999.5}})), (std::vector<std::string>{exact, late}));
  EXPECT_EQ(keys_of(query({{"since", 3001}})), std::vector<std::string>{});
  EXPECT_EQ(keys_of(query({{"since", -5}})), (std::vector<std::string>{early, exact, late}));

  // "now" excludes the past.
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto fresh = http_->emit("e");
  EXPECT_EQ(keys_of(query({{"since", now}})), std::vector<std::string>{fresh});
}

TEST_F(Query, InjectedMessagesAreOrderedByCreatedAt) {
  const auto second = emulator_.inject_message("test", "custom", "demo", "e", {}, {}, {}, 2000);
  const auto first = emulator_.inject_message("test", "custom", "demo", "e", {}, {}, {}, 1000);
  const auto tie = emulator_.inject_message("test", "custom", "demo", "e", {}, {}, {}, 2000);
  EXPECT_EQ(keys_of(query(json::object())), (std::vector<std::string>{first, second, tie}));
}

TEST_F(Query, TxStateFollowsTheLifeOfATransaction) {
  const auto a = http_->emit("e", {{"m", "a"}});
  const auto b = http_->emit("e", {{"m", "b"}});
  const auto c = http_->emit("e", {{"m", "c"}});
  auto with_state = [&](const char* state, const char* tx_key = "t") {
    return keys_of(query({{"txState", state}, {"txKey", tx_key}}));
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(with_state("does-not-exist"), (Keys{a, b, c}));
  EXPECT_EQ(keys_of(query(json::object())), (Keys{a, b, c}));  // default does-not-exist
  EXPECT_EQ(with_state("processing"), Keys{});

  ASSERT_EQ(http_->post("/init", {{"key", a}, {"txKey", "t"}}).status, 200);
  ASSERT_EQ(http_->post("/init", {{"key", b}, {"txKey", "t"}}).status, 200);
  EXPECT_EQ(with_state("does-not-exist"), Keys{c});
  EXPECT_EQ(with_state("processing"), (Keys{a, b}));
  EXPECT_EQ(with_state("finished"), Keys{});

  ASSERT_EQ(http_->post("/transact", {{"key", a}, {"txKey", "t"}, {"state", "finished"}}).status,
            200);
  ASSERT_EQ(http_->post("/transact", {{"key", b}, {"txKey", "t"}, {"state", "failed"}}).status,
            200);
  EXPECT_EQ(with_state("processing"), Keys{});
  EXPECT_EQ(with_state("finished"), Keys{a});
  EXPECT_EQ(with_state("failed"), Keys{b});
  EXPECT_EQ(with_state("does-not-exist"), Keys{c});
  // "pending": the emulator never creates pending transactions.
  EXPECT_EQ(with_state("pending"), Keys{});

  // Another txKey sees every message as new.
  EXPECT_EQ(with_state("does-not-exist", "other"), (Keys{a, b, c}));

  // Aggregates across txKeys.
  auto rows = query({{"txState", "finished"}})["rows"];
  EXPECT_EQ(rows[0]["processing"]["totalTransactions"], 1);
  EXPECT_EQ(rows[0]["processing"]["isCompleted"], true);
  EXPECT_EQ(rows[0]["state"], "completed");
}

TEST_F(Query, EventNamesWithDotsMatchExactly) {
  const auto dotted = http_->emit("user.created");
  http_->emit("user");
  http_->emit("user.created.v2");
  auto page = http_->post("/query", {{"eventName", "user.created"}, {"txKey", "t"}, {"since", 0}});
  EXPECT_EQ(keys_of(page.body), std::vector<std::string>{dotted});
}

}  // namespace
}  // namespace buildable::emulator
