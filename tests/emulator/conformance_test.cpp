// Every endpoint over real HTTP: happy paths, request validation, auth, error bodies.
#include <gtest/gtest.h>

#include <cctype>
#include <regex>

#include "emulator_test_support.hpp"
#include "test_database.hpp"

namespace buildable::emulator {
namespace {

using testing::Http;
using testing::json;
using testing::Reply;

void expect_error(const Reply& reply, int status, const std::string& name) {
  EXPECT_EQ(reply.status, status) << reply.raw;
  ASSERT_TRUE(reply.body.is_object()) << reply.raw;
  EXPECT_EQ(reply.body.value("status", ""), "error") << reply.raw;
  EXPECT_EQ(reply.body.value("code", 0), status) << reply.raw;
  EXPECT_FALSE(reply.body.value("message", "").empty()) << reply.raw;
  if (!name.empty()) {
    EXPECT_EQ(reply.body.value("name", ""), name) << reply.raw;
  }
}

class Conformance : public ::testing::Test {
 protected:
  Conformance() : emulator_(make_options()) { emulator_.start(); }
  static EmulatorOptions make_options() {
    EmulatorOptions options;
    options.keys = {{"demo", "test-secret", "test"},
                    {"prod", "live-secret", "live"},
                    {"other", "other-secret", "test"}};
    options.threads = 4;
    options.db_path = buildable::testing::fresh_store_location();
    return options;
  }
  Emulator emulator_;
};

TEST_F(Conformance, EmitReturnsA32HexKeyAndStoresTheMessage) {
  Http http(emulator_);
  auto reply = http.post(
      "/emit", {{"event", "my-first-event"}, {"payload", {{"salutation", "Hello World!"}}}});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["status"], "success");
  const auto key = reply.body["key"].get<std::string>();
  EXPECT_TRUE(std::regex_match(key, std::regex("[0-9a-f]{32}"))) << key;
  EXPECT_NE(reply.headers.find("Content-Type")->second.find("application/json"), std::string::npos);

  auto row = emulator_.message(key);
  ASSERT_TRUE(row.is_object());
  EXPECT_EQ(row["eventName"], "my-first-event");
  EXPECT_EQ(row["platform"], "custom");
  EXPECT_EQ(row["label"], "demo");
  EXPECT_EQ(row["environment"], "test");
  EXPECT_EQ(json::parse(row["payload"].get<std::string>()), json({{"salutation", "Hello World!"}}));
}

TEST_F(Conformance, QueryRowsCarryEverySpecField) {
  Http http(emulator_);
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto key = http.emit("user.created", {{"id", 7}, {"tags", {"a", "b"}}});
  auto reply = http.post("/query", {{"eventName", "user.created"}, {"txKey", "t1"}, {"since", 0}});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["total"], 1);
  EXPECT_EQ(reply.body["page"], 1);
  EXPECT_EQ(reply.body["pageSize"], 10);
  EXPECT_EQ(reply.body["totalPages"], 1);
  ASSERT_EQ(reply.body["rows"].size(), 1u);
  const auto& row = reply.body["rows"][0];
  for (const char* field :
       {"_id", "key", "eventName", "environment", "payload", "query", "headers", "createdAt",
        "state", "history", "ttl", "v", "ownership", "processing", "platform", "label"}) {
    EXPECT_TRUE(row.contains(field)) << field;
  }
  EXPECT_EQ(row["key"], key);
  EXPECT_TRUE(row["payload"].is_string());
  EXPECT_TRUE(row["headers"].is_string());
  EXPECT_TRUE(row["query"].is_string());
  EXPECT_EQ(json::parse(row["payload"].get<std::string>()),
            json({{"id", 7}, {"tags", {"a", "b"}}}));
  EXPECT_EQ(row["headers"], "{}");
  EXPECT_EQ(row["query"], "{}");
  EXPECT_GE(row["createdAt"].get<std::int64_t>(), before);
  EXPECT_TRUE(row["history"].is_array());
  for (const char* field : {"enterState", "exitState", "timestamp", "updatedBy"}) {
    EXPECT_TRUE(row["history"][0].contains(field)) << field;
  }
  for (const char* field : {"buildableId", "userId", "clientId"}) {
    EXPECT_TRUE(row["ownership"].contains(field)) << field;
  }
  for (const char* field :
       {"hasTransactions", "totalTransactions", "hasFutureTransactions", "isCompleted"}) {
    EXPECT_TRUE(row["processing"].contains(field)) << field;
  }
  EXPECT_EQ(row["processing"]["totalTransactions"], 0);
  EXPECT_EQ(row["processing"]["hasTransactions"], false);
}

TEST_F(Conformance, InitTransactAndTransactionShape) {
  Http http(emulator_);
  const auto key = http.emit("order.paid", {{"amount", 12}});
  auto init = http.post("/init", {{"key", key}, {"txKey", "billing"}, {"eventName", "order.paid"}});
  ASSERT_EQ(init.status, 200) << init.raw;
  for (const char* field : {"_id", "key", "txn", "event", "createdAt", "ttl", "state", "history",
                            "startedAt", "txKey", "input"}) {
    EXPECT_TRUE(init.body.contains(field)) << field;
  }
  EXPECT_EQ(init.body["key"], key);
  EXPECT_EQ(init.body["txKey"], "billing");
  EXPECT_EQ(init.body["state"], "processing");
  EXPECT_EQ(init.body["event"]["eventName"], "order.paid");
  EXPECT_TRUE(init.body["event"]["_id"].is_string());
  EXPECT_TRUE(init.body["input"].is_string());
  EXPECT_EQ(json::parse(init.body["input"].get<std::string>()), json({{"amount", 12}}));
  EXPECT_FALSE(init.body.contains("endedAt"));

  auto done = http.post("/transact", {{"key", key},
                                      {"txKey", "billing"},
                                      {"eventName", "order.paid"},
                                      {"state", "finished"},
                                      {"output", {{"ok", true}}}});
  ASSERT_EQ(done.status, 200) << done.raw;
  EXPECT_EQ(done.body["state"], "finished");
  EXPECT_EQ(done.body["output"], json({{"ok", true}}));
  EXPECT_TRUE(done.body["endedAt"].is_number());
  EXPECT_EQ(done.body["history"].size(), 2u);
  EXPECT_EQ(done.body["history"][1]["enterState"], "finished");
  EXPECT_EQ(done.body["history"][1]["exitState"], "processing");

  auto recorded = emulator_.transaction(key, "billing");
  EXPECT_EQ(recorded["state"], "finished");
  EXPECT_EQ(recorded["output"], json({{"ok", true}}));
  EXPECT_TRUE(emulator_.transaction(key, "nobody").is_null());
}

TEST_F(Conformance, TransactAcceptsAStringOutputAndFailedState) {
  Http http(emulator_);
  const auto key = http.emit("e", {});
  ASSERT_EQ(http.post("/init", {{"key", key}, {"txKey", "t"}}).status, 200);
  auto failed = http.post("/transact",
                          {{"key", key}, {"txKey", "t"}, {"state", "failed"}, {"output", "boom"}});
  ASSERT_EQ(failed.status, 200) << failed.raw;
  EXPECT_EQ(failed.body["state"], "failed");
  EXPECT_EQ(failed.body["output"], "boom");
}

TEST_F(Conformance, InitOnUnknownKeyIs404AndSecondClaimIs409) {
  Http http(emulator_);
  expect_error(http.post("/init", {{"key", std::string(32, 'a')}, {"txKey", "t"}}), 404,
               "message-not-found");
  const auto key = http.emit("e", {});
  ASSERT_EQ(http.post("/init", {{"key", key}, {"txKey", "t"}}).status, 200);
  expect_error(http.post("/init", {{"key", key}, {"txKey", "t"}}), 409, "transaction-exists");
  // Another txKey may claim the same message.
  EXPECT_EQ(http.post("/init", {{"key", key}, {"txKey", "t2"}}).status, 200);
}

TEST_F(Conformance, AClaimSentAgainWithItsTokenGetsItsTransactionBack) {
  Http http(emulator_);
  const auto key = http.emit("e", {});
  const json claim = {{"key", key}, {"txKey", "t"}, {"claimToken", "token-1"}};
  const auto first = http.post("/init", claim);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(first.raw.find("token-1"), std::string::npos) << "the token is never sent out";
  const auto again = http.post("/init", claim);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["txn"], first.body["txn"]);
  EXPECT_EQ(again.body["_id"], first.body["_id"]);
  // Anyone else, with another token or none, still loses the race; with a token, it is told
  // that the claim is certainly not its own.
  expect_error(http.post("/init", {{"key", key}, {"txKey", "t"}, {"claimToken", "token-2"}}), 409,
               "claimed-by-another");
  expect_error(http.post("/init", {{"key", key}, {"txKey", "t"}}), 409, "transaction-exists");
  // Once recorded, the claim is over: the token no longer claims.
  ASSERT_EQ(http.post("/transact", {{"key", key}, {"txKey", "t"}, {"state", "finished"}}).status,
            200);
  expect_error(http.post("/init", claim), 409, "transaction-exists");
  expect_error(
      http.post("/init", {{"key", key}, {"txKey", "t"}, {"claimToken", std::string(129, 'x')}}),
      400, "invalid-claim-token");
}

TEST_F(Conformance, TransactWithoutTransactionIs404AndTwiceIs409) {
  Http http(emulator_);
  const auto key = http.emit("e", {});
  expect_error(http.post("/transact", {{"key", key}, {"txKey", "t"}, {"state", "finished"}}), 404,
               "transaction-not-found");
  expect_error(http.post("/transact",
                         {{"key", std::string(32, 'b')}, {"txKey", "t"}, {"state", "finished"}}),
               404, "transaction-not-found");
  ASSERT_EQ(http.post("/init", {{"key", key}, {"txKey", "t"}}).status, 200);
  ASSERT_EQ(http.post("/transact", {{"key", key}, {"txKey", "t"}, {"state", "finished"}}).status,
            200);
  expect_error(http.post("/transact", {{"key", key}, {"txKey", "t"}, {"state", "failed"}}), 409,
               "transaction-ended");
  EXPECT_EQ(emulator_.transaction(key, "t")["state"], "finished");
  EXPECT_EQ(emulator_.transaction(key, "t")["output"], nullptr);
}

TEST_F(Conformance, UpdateSetsStateAndReturnsTheMessage) {
  Http http(emulator_);
  const auto key = http.emit("e", {});
  auto created = http.post(
      "/update", {{"key", key}, {"eventName", "e"}, {"txKey", "t"}, {"txState", "processing"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  EXPECT_EQ(created.body["key"], key);
  EXPECT_EQ(created.body["processing"]["totalTransactions"], 1);
  EXPECT_EQ(created.body["state"], "processing");
  EXPECT_EQ(emulator_.transaction(key, "t")["state"], "processing");

  auto finished = http.post(
      "/update", {{"key", key}, {"eventName", "e"}, {"txKey", "t"}, {"txState", "finished"}});
  ASSERT_EQ(finished.status, 200) << finished.raw;
  EXPECT_EQ(finished.body["processing"]["isCompleted"], true);
  EXPECT_EQ(finished.body["state"], "completed");
  EXPECT_EQ(emulator_.transaction(key, "t")["state"], "finished");
  EXPECT_EQ(emulator_.transaction(key, "t")["history"].size(), 2u);

  expect_error(http.post("/update",
                         {{"key", std::string(32, 'c')}, {"txKey", "t"}, {"txState", "finished"}}),
               404, "message-not-found");
  expect_error(http.post("/update", {{"key", key}, {"txKey", "t"}, {"txState", "pending"}}), 400,
               "invalid-field");
}

TEST_F(Conformance, GetFullEventName) {
  Http http(emulator_);
  auto plain = http.post("/get-full-event-name", {{"eventName", "user.created"}});
  ASSERT_EQ(plain.status, 200) << plain.raw;
  EXPECT_EQ(plain.body["fullEventName"], "custom.demo.user.created");
  auto explicit_ = http.post("/get-full-event-name",
                             {{"eventName", "charge"}, {"platform", "stripe"}, {"label", "shop"}});
  EXPECT_EQ(explicit_.body["fullEventName"], "stripe.shop.charge");
  expect_error(http.post("/get-full-event-name", {{"eventName", "x"}, {"platform", "a.b"}}), 400,
               "invalid-field");
  expect_error(http.post("/get-full-event-name", json::object()), 400, "missing-field");
}

// --- validation --------------------------------------------------------------------------

struct BadBody {
  const char* endpoint;
  const char* body;
  const char* name;
};

class Validation : public Conformance, public ::testing::WithParamInterface<BadBody> {};

TEST_P(Validation, IsRejectedWith400) {
  Http http(emulator_);
  const auto& bad = GetParam();
  auto reply =
      http.raw(bad.endpoint, bad.body, {{"X-Buildable-Secret", "test-secret"}}, "application/json");
  expect_error(reply, 400, bad.name);
  EXPECT_EQ(emulator_.message_count(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    AllEndpoints, Validation,
    ::testing::Values(
        BadBody{"/emit", "not json", "invalid-json"}, BadBody{"/emit", "", "invalid-json"},
        BadBody{"/emit", "[1,2]", "invalid-body"}, BadBody{"/emit", "\"text\"", "invalid-body"},
        BadBody{"/emit", R"({"payload":{}})", "missing-field"},
        BadBody{"/emit", R"({"event":"","payload":{}})", "invalid-field"},
        BadBody{"/emit", R"({"event":5,"payload":{}})", "invalid-field"},
        BadBody{"/emit", R"({"event":"e"})", "missing-field"},
        BadBody{"/emit", R"({"event":"e","payload":null})", "missing-field"},
        BadBody{"/emit", R"({"event":"e","payload":[1]})", "invalid-field"},
        BadBody{"/emit", R"({"event":"e","payload":"{}"})", "invalid-field"},
        BadBody{"/query", R"({"txKey":"t","since":0})", "missing-field"},
        BadBody{"/query", R"({"eventName":"e","since":0})", "missing-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t"})", "missing-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":"0"})", "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"txState":"done"})",
                "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"page":0})", "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"page":1.5})", "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"pageSize":0})",
                "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"pageSize":101})",
                "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"pageSize":"10"})",
                "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"platform":3})",
                "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"label":""})", "invalid-field"},
        BadBody{"/init", R"({"txKey":"t"})", "missing-field"},
        BadBody{"/init", R"({"key":"k"})", "missing-field"},
        BadBody{"/init", R"({"key":1,"txKey":"t"})", "invalid-field"},
        BadBody{"/init", R"({"key":"k","txKey":"t","eventName":7})", "invalid-field"},
        BadBody{"/transact", R"({"txKey":"t","state":"finished"})", "missing-field"},
        BadBody{"/transact", R"({"key":"k","state":"finished"})", "missing-field"},
        BadBody{"/transact", R"({"key":"k","txKey":"t"})", "missing-field"},
        BadBody{"/transact", R"({"key":"k","txKey":"t","state":"processing"})", "invalid-field"},
        BadBody{"/update", R"({"key":"k","txKey":"t"})", "missing-field"},
        BadBody{"/update", R"({"key":"k","txKey":"t","txState":"done"})", "invalid-field"},
        BadBody{"/update", R"({"txKey":"t","txState":"finished"})", "missing-field"},
        BadBody{"/get-full-event-name", R"({"eventName":""})", "invalid-field"},
        BadBody{"/get-full-event-name", R"({"eventName":"e","label":"a.b"})", "invalid-field"},
        // A NUL character in a name or key: refused alike by both stores (libpq's text would
        // end at it; SQLite would store it).
        BadBody{"/emit", R"({"event":"a\u0000b","payload":{}})", "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t\u0000","since":0})", "invalid-field"},
        BadBody{"/query", R"({"eventName":"e","txKey":"t","since":0,"label":"\u0000"})",
                "invalid-field"},
        BadBody{"/init", R"({"key":"k\u0000","txKey":"t"})", "invalid-field"},
        BadBody{"/init", R"({"key":"k","txKey":"t","claimToken":"a\u0000b"})", "invalid-field"},
        BadBody{"/update", R"({"key":"k","txKey":"new\u0000","txState":"finished"})",
                "invalid-field"}),
    [](const ::testing::TestParamInfo<BadBody>& param_info) {
      std::string name;
      for (const char* c = param_info.param.endpoint; *c; ++c) {
        if (std::isalnum(static_cast<unsigned char>(*c))) name += *c;
      }
      return name + "_" + std::to_string(param_info.index);
    });

// Names and keys of more than 1,024 bytes are refused by every endpoint on both stores (a
// PostgreSQL index row holds at most 2,704 bytes); 1,024 bytes pass.
TEST_F(Conformance, NamesLongerThan1024BytesAreRefused) {
  Http http(emulator_);
  const std::string longest(1024, 'n'), too_long(1025, 'n');
  const auto key = http.emit(longest, {});
  auto claimed = http.post("/init", {{"key", key}, {"txKey", longest}});
  EXPECT_EQ(claimed.status, 200) << claimed.raw;
  expect_error(http.post("/emit", {{"event", too_long}, {"payload", json::object()}}), 400,
               "invalid-field");
  expect_error(http.post("/query", {{"eventName", too_long}, {"txKey", "t"}, {"since", 0}}), 400,
               "invalid-field");
  expect_error(http.post("/init", {{"key", key}, {"txKey", too_long}}), 400, "invalid-field");
  expect_error(http.post("/transact", {{"key", key}, {"txKey", too_long}, {"state", "finished"}}),
               400, "invalid-field");
  expect_error(http.post("/update", {{"key", key}, {"txKey", too_long}, {"txState", "failed"}}),
               400, "invalid-field");
  expect_error(http.post("/get-full-event-name", {{"eventName", too_long}}), 400, "invalid-field");
  EXPECT_EQ(emulator_.message_count(), 1);
}

TEST_F(Conformance, UnknownFieldsAreIgnoredAndCharsetAccepted) {
  Http http(emulator_);
  auto reply = http.raw("/emit", R"({"event":"e","payload":{},"extra":{"x":1},"v":2})",
                        {{"X-Buildable-Secret", "test-secret"}}, "application/json; charset=utf-8");
  EXPECT_EQ(reply.status, 200) << reply.raw;
  reply = http.raw("/emit", R"({"event":"e","payload":{}})",
                   {{"X-Buildable-Secret", "test-secret"}}, "Application/JSON;charset=UTF-8");
  EXPECT_EQ(reply.status, 200) << reply.raw;
}

TEST_F(Conformance, WrongContentTypeIs415) {
  Http http(emulator_);
  auto reply = http.raw("/emit", R"({"event":"e","payload":{}})",
                        {{"X-Buildable-Secret", "test-secret"}}, "text/plain");
  expect_error(reply, 415, "unsupported-media-type");
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST_F(Conformance, BodyOver1MiBIs413AndExactly1MiBIsAccepted) {
  Http http(emulator_);
  const std::string prefix = R"({"event":"big","payload":{"blob":")";
  const std::string suffix = R"("}})";
  const std::size_t limit = 1024 * 1024;
  const std::string fits =
      prefix + std::string(limit - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(fits.size(), limit);
  EXPECT_EQ(
      http.raw("/emit", fits, {{"X-Buildable-Secret", "test-secret"}}, "application/json").status,
      200);
  const std::string too_big = prefix + std::string(limit, 'x') + suffix;
  Http fresh(emulator_);  // the server closes a connection after a 413
  expect_error(
      fresh.raw("/emit", too_big, {{"X-Buildable-Secret", "test-secret"}}, "application/json"), 413,
      "payload-too-large");
  EXPECT_EQ(emulator_.message_count(), 1);
}

TEST_F(Conformance, UnknownPathIs404AndOtherMethodsAre405) {
  Http http(emulator_);
  expect_error(http.post("/nope", json::object()), 404, "not-found");
  auto get = http.client().Get("/emit");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(json::parse(get->body)["name"], "method-not-allowed");
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
}

// --- authentication ----------------------------------------------------------------------

TEST_F(Conformance, MissingSecretIs401OnEveryEndpoint) {
  Http http(emulator_);
  for (const char* endpoint :
       {"/emit", "/query", "/init", "/transact", "/update", "/get-full-event-name"}) {
    auto reply = http.raw(endpoint, R"({"event":"e","payload":{}})", {}, "application/json");
    expect_error(reply, 401, "invalid-secret");
  }
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST_F(Conformance, UnknownOrEmptySecretIs401) {
  Http http(emulator_, "wrong-secret");
  expect_error(http.post("/emit", {{"event", "e"}, {"payload", json::object()}}), 401,
               "invalid-secret");
  Http empty(emulator_, "");
  expect_error(empty.post("/emit", {{"event", "e"}, {"payload", json::object()}}), 401,
               "invalid-secret");
  // The secret's value is case-sensitive.
  Http upper(emulator_, "TEST-SECRET");
  expect_error(upper.post("/emit", {{"event", "e"}, {"payload", json::object()}}), 401,
               "invalid-secret");
  EXPECT_EQ(emulator_.message_count(), 0);
}

TEST_F(Conformance, SecretHeaderNameIsCaseInsensitive) {
  Http http(emulator_);
  for (const char* header :
       {"X-Buildable-Secret", "x-buildable-secret", "X-BUILDABLE-SECRET", "x-BuIlDaBlE-sEcReT"}) {
    auto reply = http.raw("/emit", R"({"event":"e","payload":{}})", {{header, "test-secret"}},
                          "application/json");
    EXPECT_EQ(reply.status, 200) << header << ": " << reply.raw;
  }
  EXPECT_EQ(emulator_.message_count(), 4);
}

TEST_F(Conformance, EachKeyLabelsItsMessagesWithItsName) {
  Http demo(emulator_, "test-secret");
  Http other(emulator_, "other-secret");
  demo.emit("e", {{"from", "demo"}});
  other.emit("e", {{"from", "other"}});
  auto all = demo.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}});
  ASSERT_EQ(all.body["total"], 2);
  EXPECT_EQ(all.body["rows"][0]["label"], "demo");
  EXPECT_EQ(all.body["rows"][1]["label"], "other");
  auto only_other = demo.post("/query", {{"eventName", "e"},
                                         {"txKey", "t"},
                                         {"since", 0},
                                         {"platform", "custom"},
                                         {"label", "other"}});
  ASSERT_EQ(only_other.body["total"], 1);
  EXPECT_EQ(json::parse(only_other.body["rows"][0]["payload"].get<std::string>())["from"], "other");
  auto stripe = demo.post(
      "/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}, {"platform", "stripe"}});
  EXPECT_EQ(stripe.body["total"], 0);
}

TEST_F(Conformance, TestAndLiveEnvironmentsAreIsolated) {
  Http test(emulator_, "test-secret");
  Http live(emulator_, "live-secret");
  const auto test_key = test.emit("e", {{"env", "test"}});
  const auto live_key = live.emit("e", {{"env", "live"}});

  auto seen_by_test = test.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}});
  ASSERT_EQ(seen_by_test.body["total"], 1);
  EXPECT_EQ(seen_by_test.body["rows"][0]["key"], test_key);
  EXPECT_EQ(seen_by_test.body["rows"][0]["environment"], "test");
  auto seen_by_live = live.post("/query", {{"eventName", "e"}, {"txKey", "t"}, {"since", 0}});
  ASSERT_EQ(seen_by_live.body["total"], 1);
  EXPECT_EQ(seen_by_live.body["rows"][0]["key"], live_key);
  EXPECT_EQ(seen_by_live.body["rows"][0]["environment"], "live");
  EXPECT_EQ(seen_by_live.body["rows"][0]["label"], "prod");

  // Keys of the other environment do not exist for this one.
  expect_error(test.post("/init", {{"key", live_key}, {"txKey", "t"}}), 404, "message-not-found");
  expect_error(live.post("/update", {{"key", test_key}, {"txKey", "t"}, {"txState", "finished"}}),
               404, "message-not-found");
  ASSERT_EQ(live.post("/init", {{"key", live_key}, {"txKey", "t"}}).status, 200);
  expect_error(test.post("/transact", {{"key", live_key}, {"txKey", "t"}, {"state", "finished"}}),
               404, "transaction-not-found");
}

TEST_F(Conformance, InjectedWebhookMessagesKeepHeadersAndQuery) {
  Http http(emulator_);
  const auto key = emulator_.inject_message(
      "test", "stripe", "shop", "charge.succeeded", {{"amount", 100}},
      {{"stripe-signature", "t=1,v1=abc"}, {"content-type", "application/json"}},
      {{"mode", "test"}}, 12345);
  auto reply = http.post("/query", {{"eventName", "charge.succeeded"},
                                    {"txKey", "t"},
                                    {"since", 0},
                                    {"platform", "stripe"},
                                    {"label", "shop"}});
  ASSERT_EQ(reply.body["total"], 1) << reply.raw;
  const auto& row = reply.body["rows"][0];
  EXPECT_EQ(row["key"], key);
  EXPECT_EQ(row["createdAt"], 12345);
  EXPECT_EQ(json::parse(row["headers"].get<std::string>())["stripe-signature"], "t=1,v1=abc");
  EXPECT_EQ(json::parse(row["query"].get<std::string>())["mode"], "test");
  auto full =
      http.post("/get-full-event-name",
                {{"eventName", "charge.succeeded"}, {"platform", "stripe"}, {"label", "shop"}});
  EXPECT_EQ(full.body["fullEventName"], "stripe.shop.charge.succeeded");
}

}  // namespace
}  // namespace buildable::emulator
