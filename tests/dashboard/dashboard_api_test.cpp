// The dashboard's page and read-only API over real loopback HTTP (cpp-httplib's client, not
// the SDK): authentication, environment isolation, filters, payload search, and keyset
// pagination (order, stability, edges, parameter validation).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "buildable/emulator/emulator.hpp"
#include "dashboard_client.hpp"
#include "test_database.hpp"

namespace buildable::emulator {
namespace {

using testing::DashboardClient;
using testing::DashboardReply;
using json = nlohmann::json;

constexpr const char* kTestSecret = "sk_test_dashboard_demo";
constexpr const char* kOtherTestSecret = "sk_test_dashboard_other";
constexpr const char* kLiveSecret = "sk_live_dashboard_prod";
constexpr const char* kMessages = "/_dashboard/api/messages";

class DashboardApi : public ::testing::Test {
 protected:
  DashboardApi() : emulator_(options()) {
    emulator_.start();
    test_ = std::make_unique<DashboardClient>(emulator_.port(), kTestSecret);
    live_ = std::make_unique<DashboardClient>(emulator_.port(), kLiveSecret);
  }
  static EmulatorOptions options() {
    EmulatorOptions options;
    options.threads = 4;
    options.db_path = buildable::testing::fresh_store_location();
    options.keys = {{"demo", kTestSecret, "test"},
                    {"other", kOtherTestSecret, "test"},
                    {"prod", kLiveSecret, "live"}};
    return options;
  }

  // GET /_dashboard/api/messages as the test key; expects 200.
  json messages(const httplib::Params& params = {}) {
    auto reply = test_->get(kMessages, params);
    EXPECT_EQ(reply.status, 200) << reply.raw;
    return reply.body;
  }
  static std::vector<std::string> keys_of(const json& page) {
    std::vector<std::string> keys;
    for (const auto& row : page.at("messages"))
      keys.push_back(row.at("key"));
    return keys;
  }
  std::vector<std::string> keys_matching(const httplib::Params& params) {
    return keys_of(messages(params));
  }
  // Every key of the test environment through `limit`-sized pages.
  std::vector<std::string> all_pages(int limit, int* pages = nullptr) {
    std::vector<std::string> keys;
    std::string cursor;
    int count = 0;
    for (;;) {
      httplib::Params params{{"limit", std::to_string(limit)}};
      if (!cursor.empty()) params.emplace("before", cursor);
      const json page = messages(params);
      ++count;
      for (const auto& key : keys_of(page))
        keys.push_back(key);
      if (page.at("nextCursor").is_null()) break;
      cursor = page.at("nextCursor");
      if (count > 1000) break;  // a cursor that never ends fails below
    }
    if (pages) *pages = count;
    return keys;
  }

  Emulator emulator_;
  std::unique_ptr<DashboardClient> test_;
  std::unique_ptr<DashboardClient> live_;
};

// --- The page and authentication ------------------------------------------------------------

TEST_F(DashboardApi, PageShellLoadsWithoutSecretAndHoldsNoData) {
  test_->emit("secret.event", {{"hidden", "payload-value"}});
  auto page = test_->get("/", {}, /*with_secret=*/false);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.raw.find("Messages Stream"), std::string::npos);
  EXPECT_EQ(page.raw.find("payload-value"), std::string::npos);
  EXPECT_EQ(page.raw.find(kTestSecret), std::string::npos);
  EXPECT_NE(page.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.header("Cache-Control"), "no-store");

  auto script = test_->get("/_dashboard/app.js", {}, false);
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(test_->get("/_dashboard/app.css", {}, false).status, 200);

  auto missing = test_->get("/_dashboard/missing.js", {}, false);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.value("name", ""), "not-found");
}

TEST_F(DashboardApi, EveryApiCallNeedsAKnownSecret) {
  test_->emit("secret.event", {{"hidden", "payload-value"}});
  DashboardClient wrong(emulator_.port(), "sk_test_not_a_key");
  DashboardClient empty(emulator_.port(), "");
  for (const char* path :
       {"/_dashboard/api/messages", "/_dashboard/api/session", "/_dashboard/api/events"}) {
    SCOPED_TRACE(path);
    for (DashboardReply reply :
         {test_->get(path, {}, /*with_secret=*/false), wrong.get(path), empty.get(path)}) {
      EXPECT_EQ(reply.status, 401);
      EXPECT_EQ(reply.body.value("name", ""), "invalid-secret");
      EXPECT_EQ(reply.body.value("code", 0), 401);
      EXPECT_FALSE(reply.body.contains("messages"));
      EXPECT_FALSE(reply.body.contains("events"));
      EXPECT_EQ(reply.raw.find("payload-value"), std::string::npos);
      EXPECT_EQ(reply.raw.find("secret.event"), std::string::npos);
      EXPECT_EQ(reply.raw.find("sk_test_not_a_key"), std::string::npos);  // never echoed
    }
  }
}

TEST_F(DashboardApi, SessionNamesTheKeyButNeverTheSecret) {
  auto test = test_->get("/_dashboard/api/session");
  ASSERT_EQ(test.status, 200);
  EXPECT_EQ(test.body, json({{"keyName", "demo"}, {"environment", "test"}}));
  EXPECT_EQ(test.raw.find(kTestSecret), std::string::npos);
  auto live = live_->get("/_dashboard/api/session");
  EXPECT_EQ(live.body, json({{"keyName", "prod"}, {"environment", "live"}}));
}

TEST_F(DashboardApi, ApiIsReadOnlyAndProtocolPathsKeepTheirAnswers) {
  auto post = test_->post(kMessages, json::object());
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow"), "GET");
  EXPECT_EQ(post.body.value("name", ""), "method-not-allowed");

  auto get_emit = test_->get("/emit");
  EXPECT_EQ(get_emit.status, 405);
  EXPECT_EQ(get_emit.header("Allow"), "POST");
  auto unknown = test_->get("/no-such-endpoint");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body.value("name", ""), "not-found");
  auto unknown_api = test_->get("/_dashboard/api/nothing");
  EXPECT_EQ(unknown_api.status, 404);
  EXPECT_EQ(unknown_api.body.value("name", ""), "not-found");
}

// --- What a key sees -----------------------------------------------------------------------

TEST_F(DashboardApi, AKeySeesOnlyItsEnvironment) {
  const auto test_key = test_->emit("order.created", {{"env", "test"}});
  DashboardClient other(emulator_.port(), kOtherTestSecret);
  const auto other_key = other.emit("order.created", {{"env", "test-other"}});
  const auto live_key = live_->emit("order.created", {{"env", "live"}});
  const auto injected_live =
      emulator_.inject_message("live", "stripe", "shop", "charge.succeeded", {{"amount", 5}});

  // Both test keys share the test environment, as in /query.
  EXPECT_EQ(keys_matching({}), (std::vector<std::string>{other_key, test_key}));
  auto live_page = live_->get(kMessages);
  ASSERT_EQ(live_page.status, 200);
  EXPECT_EQ(keys_of(live_page.body), (std::vector<std::string>{injected_live, live_key}));
  for (const auto& row : live_page.body["messages"])
    EXPECT_EQ(row["environment"], "live");

  EXPECT_EQ(test_->get("/_dashboard/api/events").body,
            json({{"events", json::array({"order.created"})}}));
  EXPECT_EQ(live_->get("/_dashboard/api/events").body,
            json({{"events", json::array({"charge.succeeded", "order.created"})}}));
  // A filter cannot reach across either.
  EXPECT_TRUE(keys_matching({{"event", "charge.succeeded"}}).empty());
}

TEST_F(DashboardApi, RowsCarryParsedPayloadsAndTheirTransactions) {
  const auto key = test_->emit("user.created", {{"name", "Ada"}, {"tags", {"a", "b"}}});
  test_->transact(key, "crm", "finished", {{"crmId", 42}});
  test_->transact(key, "mail", "failed", "smtp timeout");
  test_->transact(key, "audit", "processing");

  const json page = messages();
  ASSERT_EQ(page["messages"].size(), 1u);
  const json& row = page["messages"][0];
  EXPECT_EQ(row["key"], key);
  EXPECT_EQ(row["eventName"], "user.created");
  EXPECT_EQ(row["platform"], "custom");
  EXPECT_EQ(row["label"], "demo");
  EXPECT_EQ(row["environment"], "test");
  EXPECT_EQ(row["payload"], json({{"name", "Ada"}, {"tags", {"a", "b"}}}));  // JSON, not text
  EXPECT_EQ(row["headers"], json::object());
  EXPECT_EQ(row["state"], "processing");
  EXPECT_EQ(row["summary"], "partly-failed");  // one finished, one failed, one processing
  EXPECT_TRUE(row["createdAt"].is_number_integer());
  EXPECT_TRUE(row["cursor"].is_string());

  const json& txs = row["transactions"];
  ASSERT_EQ(txs.size(), 3u);
  EXPECT_EQ(txs[0]["txKey"], "crm");
  EXPECT_EQ(txs[0]["state"], "finished");
  EXPECT_EQ(txs[0]["output"], json({{"crmId", 42}}));
  EXPECT_GE(txs[0]["endedAt"].get<std::int64_t>(), txs[0]["startedAt"].get<std::int64_t>());
  EXPECT_EQ(txs[0]["durationMs"],
            txs[0]["endedAt"].get<std::int64_t>() - txs[0]["startedAt"].get<std::int64_t>());
  EXPECT_FALSE(txs[0].contains("input"));  // the payload is not repeated per transaction
  EXPECT_EQ(txs[1]["txKey"], "mail");
  EXPECT_EQ(txs[1]["state"], "failed");
  EXPECT_EQ(txs[1]["output"], "smtp timeout");
  EXPECT_EQ(txs[2]["txKey"], "audit");
  EXPECT_EQ(txs[2]["state"], "processing");
  EXPECT_FALSE(txs[2].contains("endedAt"));
  EXPECT_FALSE(txs[2].contains("durationMs"));
  EXPECT_FALSE(txs[2].contains("output"));
}

TEST_F(DashboardApi, SummaryNeverHidesAFailure) {
  auto message = [&](const std::vector<std::pair<const char*, const char*>>& transactions) {
    const auto key = test_->emit("summary.case", {{"case", transactions.size()}});
    for (const auto& [tx_key, state] : transactions)
      test_->transact(key, tx_key, state, "output");
    return key;
  };
  const std::map<std::string, std::string> expected = {
      {message({}), "no-transactions"},
      {message({{"a", "finished"}, {"b", "finished"}}), "finished"},
      {message({{"a", "finished"}, {"b", "processing"}}), "processing"},
      {message({{"a", "failed"}}), "failed"},  // /query calls this one "completed"
      {message({{"a", "failed"}, {"b", "failed"}}), "failed"},
      {message({{"a", "failed"}, {"b", "finished"}}), "partly-failed"},
      {message({{"a", "processing"}, {"b", "failed"}}), "partly-failed"},
  };

  const json page = messages({{"event", "summary.case"}});
  std::map<std::string, std::string> shown;
  for (const auto& row : page["messages"])
    shown[row.at("key")] = row.at("summary");
  EXPECT_EQ(shown, expected);
}

// --- Filters and search ----------------------------------------------------------------------

TEST_F(DashboardApi, FiltersByEventTxKeyAndState) {
  const auto a = test_->emit("order.created", {{"n", 1}});
  const auto b = test_->emit("order.created", {{"n", 2}});
  const auto c = test_->emit("user.signup", {{"n", 3}});
  const auto d = test_->emit("order.created", {{"n", 4}});
  test_->transact(a, "billing", "finished", "ok");
  test_->transact(b, "billing", "failed", "declined");
  test_->transact(b, "email", "processing");
  test_->transact(c, "billing", "finished", "ok");
  test_->transact(c, "email", "finished", "sent");
  using Keys = std::vector<std::string>;

  EXPECT_EQ(keys_matching({{"event", "order.created"}}), (Keys{d, b, a}));
  EXPECT_EQ(keys_matching({{"event", "user.signup"}}), (Keys{c}));
  EXPECT_EQ(keys_matching({{"event", "order"}}), Keys{});  // exact names, not prefixes
  EXPECT_EQ(keys_matching({{"txKey", "billing"}}), (Keys{c, b, a}));
  EXPECT_EQ(keys_matching({{"txKey", "email"}}), (Keys{c, b}));
  EXPECT_EQ(keys_matching({{"txKey", "nobody"}}), Keys{});
  EXPECT_EQ(keys_matching({{"state", "failed"}}), (Keys{b}));
  EXPECT_EQ(keys_matching({{"state", "processing"}}), (Keys{b}));
  EXPECT_EQ(keys_matching({{"state", "finished"}}), (Keys{c, a}));
  // With a txKey, the state is that txKey's.
  EXPECT_EQ(keys_matching({{"txKey", "billing"}, {"state", "finished"}}), (Keys{c, a}));
  EXPECT_EQ(keys_matching({{"txKey", "email"}, {"state", "finished"}}), (Keys{c}));
  EXPECT_EQ(keys_matching({{"txKey", "billing"}, {"state", "processing"}}), Keys{});
  EXPECT_EQ(keys_matching({{"event", "order.created"}, {"state", "finished"}}), (Keys{a}));
  // Empty values are no filter.
  EXPECT_EQ(keys_matching({{"event", ""}, {"txKey", ""}, {"state", ""}, {"search", ""}}),
            (Keys{d, c, b, a}));
}

TEST_F(DashboardApi, SearchFindsTextInThePayload) {
  const auto ada = test_->emit("user.signup", {{"name", "Ada Lovelace"}, {"plan", "pro"}});
  const auto grace = test_->emit("user.signup", {{"name", "Grace Hopper"}, {"plan", "free"}});
  const auto note = test_->emit("note", {{"text", "100% sure_thing"}});
  const auto path = test_->emit("note", {{"path", "C:\\temp"}});
  using Keys = std::vector<std::string>;

  EXPECT_EQ(keys_matching({{"search", "Lovelace"}}), (Keys{ada}));
  EXPECT_EQ(keys_matching({{"search", "lovelace"}}), (Keys{ada}));     // ASCII case-blind
  EXPECT_EQ(keys_matching({{"search", "plan"}}), (Keys{grace, ada}));  // keys are text too
  EXPECT_EQ(keys_matching({{"search", "%"}}), (Keys{note}));           // LIKE wildcards are literal
  EXPECT_EQ(keys_matching({{"search", "_"}}), (Keys{note}));
  EXPECT_EQ(keys_matching({{"search", "\\"}}), (Keys{path}));
  EXPECT_EQ(keys_matching({{"search", "Hopper"}, {"event", "note"}}), Keys{});
  EXPECT_EQ(keys_matching({{"search", "absent text"}}), Keys{});
}

// Only A-Z fold (as SQLite's LIKE does), whatever the PostgreSQL database's locale would fold.
TEST_F(DashboardApi, SearchFoldsAsciiLettersOnly) {
  const auto ecole = test_->emit("place", {{"name", "\u00c9COLE Kelvin"}});
  using Keys = std::vector<std::string>;
  EXPECT_EQ(keys_matching({{"search", "COLE"}}), (Keys{ecole}));
  EXPECT_EQ(keys_matching({{"search", "cole kelvin"}}), (Keys{ecole}));
  EXPECT_EQ(keys_matching({{"search", "\u00e9cole"}}), Keys{});   // é is not É here
  EXPECT_EQ(keys_matching({{"search", "\u212aelvin"}}), Keys{});  // the Kelvin sign is not K
}

// --- Keyset pagination ---------------------------------------------------------------------

TEST_F(DashboardApi, PagesAreNewestFirstWithoutGapsOrDuplicates) {
  // createdAt ties (several messages per millisecond) are ordered by insertion; a message
  // injected later with an older createdAt sorts by its createdAt.
  std::vector<std::string> inserted;
  for (int i = 0; i < 23; ++i) {
    inserted.push_back(emulator_.inject_message("test", "custom", "demo", "tick", {{"i", i}}, {},
                                                {}, 1'000'000 + i / 3));
  }
  const auto oldest =
      emulator_.inject_message("test", "custom", "demo", "tick", {{"i", -1}}, {}, {}, 999'000);
  std::vector<std::string> expected(inserted.rbegin(), inserted.rend());
  expected.push_back(oldest);

  for (int limit : {1, 5, 7, 23, 24, 25, 200}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    int pages = 0;
    EXPECT_EQ(all_pages(limit, &pages), expected);
    EXPECT_EQ(pages, std::max(1, (24 + limit - 1) / limit));
  }
}

TEST_F(DashboardApi, ACursorIsStableWhileNewMessagesArrive) {
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i)
    keys.push_back(test_->emit("tick", {{"i", i}}));
  const json first = messages({{"limit", "5"}});
  EXPECT_EQ(keys_of(first),
            (std::vector<std::string>{keys[11], keys[10], keys[9], keys[8], keys[7]}));
  for (int i = 0; i < 3; ++i)
    test_->emit("tick", {{"new", i}});  // newer: above the first page, not in the next ones
  const json second = messages({{"limit", "5"}, {"before", first["nextCursor"]}});
  EXPECT_EQ(keys_of(second),
            (std::vector<std::string>{keys[6], keys[5], keys[4], keys[3], keys[2]}));
  const json third = messages({{"limit", "5"}, {"before", second["nextCursor"]}});
  EXPECT_EQ(keys_of(third), (std::vector<std::string>{keys[1], keys[0]}));
  EXPECT_TRUE(third["nextCursor"].is_null());
}

TEST_F(DashboardApi, BigMessagesEndAPageEarlyAndTheCursorGoesOn) {
  const std::string big(900 * 1024, 'x');  // 8 messages hold 7 MiB of payload
  std::vector<std::string> injected;
  for (int i = 0; i < 8; ++i)
    injected.push_back(emulator_.inject_message("test", "custom", "demo", "big", {{"text", big}}));
  const json first = messages({{"limit", "200"}});
  EXPECT_LT(first.at("messages").size(), 8u);
  EXPECT_GE(first.at("messages").size(), 1u);
  EXPECT_FALSE(first.at("nextCursor").is_null());
  int pages = 0;
  const auto keys = all_pages(200, &pages);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()),
            std::set<std::string>(injected.begin(), injected.end()));
  EXPECT_EQ(keys.size(), 8u);
  EXPECT_GE(pages, 2);
}

TEST_F(DashboardApi, PaginationEdges) {
  EXPECT_EQ(messages(), json({{"messages", json::array()}, {"nextCursor", nullptr}}));

  std::vector<std::string> keys;
  for (int i = 0; i < 60; ++i)
    keys.push_back(test_->emit("tick", {{"i", i}}));
  const json defaults = messages();
  EXPECT_EQ(defaults["messages"].size(), 50u);  // default page size
  EXPECT_EQ(defaults["nextCursor"], defaults["messages"][49]["cursor"]);

  // A page that ends exactly at the last match says so: no cursor to an empty page.
  EXPECT_TRUE(messages({{"limit", "60"}})["nextCursor"].is_null());
  const json all_but_one = messages({{"limit", "59"}});
  ASSERT_FALSE(all_but_one["nextCursor"].is_null());
  const json last = messages({{"limit", "59"}, {"before", all_but_one["nextCursor"]}});
  EXPECT_EQ(keys_of(last), std::vector<std::string>{keys[0]});
  EXPECT_TRUE(last["nextCursor"].is_null());
  // Below the oldest message there is nothing.
  EXPECT_EQ(messages({{"before", last["messages"][0]["cursor"]}}),
            json({{"messages", json::array()}, {"nextCursor", nullptr}}));
  // Filters and the cursor combine.
  const json filtered = messages({{"search", "\"i\":5"}, {"limit", "2"}});
  EXPECT_EQ(keys_of(filtered), (std::vector<std::string>{keys[59], keys[58]}));
  EXPECT_EQ(keys_of(messages({{"search", "\"i\":5"}, {"before", filtered["nextCursor"]}})),
            (std::vector<std::string>{keys[57], keys[56], keys[55], keys[54], keys[53], keys[52],
                                      keys[51], keys[50], keys[5]}));
}

TEST_F(DashboardApi, InvalidParametersAre400) {
  const std::vector<httplib::Params> invalid = {
      {{"limit", "0"}},
      {{"limit", "201"}},
      {{"limit", "ten"}},
      {{"limit", "5.5"}},
      {{"limit", "-1"}},
      {{"before", "abc"}},
      {{"before", "1:"}},
      {{"before", ":2"}},
      {{"before", "1:2x"}},
      {{"before", "12"}},
      {{"state", "pending"}},
      {{"state", "does-not-exist"}},
      {{"search", std::string(1001, 'x')}},
      // A NUL character (%00) matches nothing in either store: refused by both alike.
      {{"search", std::string("a\0b", 3)}},
      {{"event", std::string(1, '\0')}},
      {{"txKey", std::string("t\0", 2)}},
      // Not UTF-8 once percent-decoded: PostgreSQL would refuse it, so both stores do.
      {{"search", std::string("\xff")}},
      {{"event", std::string("\xc3\x28")}},
  };
  for (const auto& params : invalid) {
    SCOPED_TRACE(params.begin()->first + "=" + params.begin()->second.substr(0, 20));
    auto reply = test_->get(kMessages, params);
    EXPECT_EQ(reply.status, 400) << reply.raw;
    EXPECT_EQ(reply.body.value("name", ""), "invalid-field");
  }
  EXPECT_EQ(test_->get(kMessages, {{"limit", "200"}}).status, 200);
  EXPECT_EQ(test_->get(kMessages, {{"limit", "1"}}).status, 200);
  EXPECT_EQ(test_->get(kMessages, {{"before", "-5:-1"}}).status, 200);
}

}  // namespace
}  // namespace buildable::emulator
