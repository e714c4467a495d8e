#include "detail/protocol/message_parsing.hpp"

#include <gtest/gtest.h>

#include <buildable/errors.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using buildable::ProtocolError;
using buildable::detail::key_problem;
using buildable::detail::kMaxKeyLength;
using buildable::detail::parse_message_row;
using buildable::detail::parse_query_page;
using nlohmann::json;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";

std::chrono::system_clock::time_point epoch_ms(long long ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

json full_row() {
  return json{{"_id", "64f0"},
              {"key", kKey},
              {"eventName", "user.created"},
              {"environment", "test"},
              {"platform", "custom"},
              {"label", "demo"},
              {"payload", R"({"name":"Ada","n":1})"},
              {"headers", R"({"content-type":"application/json"})"},
              {"query", R"({"a":"b"})"},
              {"createdAt", 1700000000123LL},
              {"state", "pending"},
              {"history", json::array()},
              {"ttl", 86400},
              {"v", 1}};
}

TEST(ParseMessageRowTest, StringEncodedFieldsAreDecoded) {
  const auto m = parse_message_row(full_row(), "my-tx");
  EXPECT_EQ(m.key, kKey);
  EXPECT_EQ(m.event, "user.created");
  EXPECT_EQ(m.payload, (json{{"name", "Ada"}, {"n", 1}}));
  EXPECT_EQ(m.headers, (json{{"content-type", "application/json"}}));
  EXPECT_EQ(m.query, (json{{"a", "b"}}));
  EXPECT_EQ(m.created_at, epoch_ms(1700000000123LL));
  EXPECT_EQ(m.environment, "test");
  EXPECT_EQ(m.platform, "custom");
  EXPECT_EQ(m.label, "demo");
  EXPECT_EQ(m.tx_key, "my-tx");
  EXPECT_EQ(m.raw, full_row());
}

TEST(ParseMessageRowTest, PlainJsonFieldsAreTakenAsIs) {
  auto row = full_row();
  row["payload"] = json{{"name", "Ada"}, {"nested", {{"x", json::array({1, 2})}}}};
  row["headers"] = json{{"h", "v"}};
  row["query"] = json::object();
  const auto m = parse_message_row(row, "tx");
  EXPECT_EQ(m.payload, row["payload"]);
  EXPECT_EQ(m.headers, row["headers"]);
  EXPECT_EQ(m.query, json::object());
}

TEST(ParseMessageRowTest, StringEncodedStringPayloadIsDecodedOnce) {
  auto row = full_row();
  row["payload"] = R"("just text")";
  EXPECT_EQ(parse_message_row(row, "tx").payload, json("just text"));
}

TEST(ParseMessageRowTest, MissingNullOrEmptyFieldsAreEmptyObjects) {
  const json minimal = {{"key", kKey}};
  const auto m = parse_message_row(minimal, "tx");
  EXPECT_EQ(m.key, kKey);
  EXPECT_EQ(m.event, "");
  EXPECT_EQ(m.payload, json::object());
  EXPECT_EQ(m.headers, json::object());
  EXPECT_EQ(m.query, json::object());
  EXPECT_EQ(m.created_at, std::chrono::system_clock::time_point{});
  EXPECT_EQ(m.environment, "");
  EXPECT_EQ(m.platform, "");
  EXPECT_EQ(m.label, "");

  const json nulls = {{"key", kKey}, {"payload", nullptr}, {"headers", ""}, {"query", nullptr}};
  const auto n = parse_message_row(nulls, "tx");
  EXPECT_TRUE(n.payload.is_object() && n.payload.empty());
  EXPECT_TRUE(n.headers.is_object() && n.headers.empty());
  EXPECT_TRUE(n.query.is_object() && n.query.empty());
}

TEST(ParseMessageRowTest, WrongTypedOptionalFieldsAreIgnored) {
  auto row = full_row();
  row["eventName"] = 5;
  row["platform"] = json::array();
  row["label"] = nullptr;
  row["environment"] = true;
  row["createdAt"] = "yesterday";
  const auto m = parse_message_row(row, "tx");
  EXPECT_EQ(m.event, "");
  EXPECT_EQ(m.platform, "");
  EXPECT_EQ(m.label, "");
  EXPECT_EQ(m.environment, "");
  EXPECT_EQ(m.created_at, std::chrono::system_clock::time_point{});
}

TEST(ParseMessageRowTest, OutOfRangeCreatedAtIsIgnored) {
  for (const json& created :
       {json(1e300), json(-1e300), json(18446744073709551615ULL), json(9223372036854775807LL)}) {
    auto row = full_row();
    row["createdAt"] = created;
    SCOPED_TRACE(created.dump());
    EXPECT_EQ(parse_message_row(row, "tx").created_at, std::chrono::system_clock::time_point{});
  }
}

TEST(ParseMessageRowTest, FractionalCreatedAtIsTruncatedToMilliseconds) {
  auto row = full_row();
  row["createdAt"] = 1700000000123.9;
  EXPECT_EQ(parse_message_row(row, "tx").created_at, epoch_ms(1700000000123LL));
}

TEST(ParseMessageRowTest, RowsWithoutAStringKeyThrow) {
  for (const json& row : {json::object(), json{{"key", ""}}, json{{"key", 12}},
                          json{{"key", nullptr}}, json::array({kKey}), json(kKey)}) {
    SCOPED_TRACE(row.dump());
    EXPECT_THROW(parse_message_row(row, "tx"), ProtocolError);
  }
}

TEST(ParseMessageRowTest, InvalidStringEncodedFieldThrowsNamingIt) {
  for (const char* field : {"payload", "headers", "query"}) {
    auto row = full_row();
    row[field] = "{not json";
    try {
      parse_message_row(row, "tx");
      ADD_FAILURE() << field << " accepted";
    } catch (const ProtocolError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
}

// --- parse_query_page ----------------------------------------------------------------------

TEST(ParseQueryPageTest, RowsInOrder) {
  auto second = full_row();
  second["key"] = "ffffffffffffffffffffffffffffffff";
  second["payload"] = json{{"i", 2}};
  const json body = {{"rows", {full_row(), second}},
                     {"total", 2},
                     {"page", 1},
                     {"pageSize", 10},
                     {"totalPages", 1}};
  const auto page = parse_query_page(body.dump(), "tx");
  ASSERT_EQ(page.rows.size(), 2U);
  EXPECT_TRUE(page.row_errors.empty());
  EXPECT_EQ(page.rows[0].message.key, kKey);
  EXPECT_EQ(page.rows[0].message.payload, (json{{"name", "Ada"}, {"n", 1}}));
  EXPECT_EQ(page.rows[0].message.tx_key, "tx");
  EXPECT_EQ(page.rows[0].decode_error, "");
  EXPECT_EQ(page.rows[1].message.key, "ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(page.rows[1].message.payload, (json{{"i", 2}}));
}

TEST(ParseQueryPageTest, EmptyPage) {
  const auto page = parse_query_page(R"({"rows":[],"total":0,"page":1})", "tx");
  EXPECT_TRUE(page.rows.empty());
  EXPECT_TRUE(page.row_errors.empty());
}

TEST(ParseQueryPageTest, RowsWithoutKeyAreSkippedIntoRowErrors) {
  const json body = {{"rows",
                      {json{{"eventName", "e"}}, full_row(), json{{"key", 7}}, json(3),
                       json{{"key", ""}}, nullptr}}};
  const auto page = parse_query_page(body.dump(), "tx");
  ASSERT_EQ(page.rows.size(), 1U);
  EXPECT_EQ(page.rows[0].message.key, kKey);
  EXPECT_EQ(page.row_errors.size(), 5U);
  for (const auto& error : page.row_errors)
    EXPECT_NE(error.find("key"), std::string::npos);
}

TEST(ParseQueryPageTest, RowWithInvalidPayloadIsKeptWithDecodeError) {
  auto bad = full_row();
  bad["payload"] = "{truncated";
  const json body = {{"rows", {bad, full_row()}}};
  const auto page = parse_query_page(body.dump(), "tx");
  ASSERT_EQ(page.rows.size(), 2U);
  EXPECT_TRUE(page.row_errors.empty());
  const auto& row = page.rows[0];
  EXPECT_NE(row.decode_error, "");
  EXPECT_NE(row.decode_error.find("payload"), std::string::npos) << row.decode_error;
  EXPECT_EQ(row.message.key, kKey);
  EXPECT_EQ(row.message.event, "user.created");
  EXPECT_EQ(row.message.tx_key, "tx");
  EXPECT_EQ(row.message.raw, bad);
  EXPECT_EQ(page.rows[1].decode_error, "");
}

TEST(ParseQueryPageTest, TopLevelGarbageIsProtocolError) {
  for (const char* body :
       {"", "   ", "not json", "<html>502</html>", R"({"rows":[)", R"({"rows":[{"key":"a"})", "[]",
        "null", "42", R"("rows")", "{}", R"({"rows":null})", R"({"rows":{}})", R"({"rows":"[]"})",
        R"({"Rows":[]})", "\xff\xfe"}) {
    SCOPED_TRACE(body);
    EXPECT_THROW(parse_query_page(body, "tx"), ProtocolError);
  }
}

// --- key_problem -------------------------------------------------------------------------

TEST(KeyProblemTest, KeysOfAnyPrintableShapeAreAccepted) {
  for (const std::string& key :
       {std::string(kKey), std::string("k-1"), std::string("0f8fad5b-d9cb-469f-a165-70867728950e"),
        std::string("msg_01HZX3K9:queue/7?x=1#y"), std::string(1, '~'),
        std::string(kMaxKeyLength, 'a')}) {
    EXPECT_EQ(key_problem(key, "sk_test_secret"), nullptr) << key;
  }
}

TEST(KeyProblemTest, UnsafeKeysAreRefused) {
  for (const std::string& key :
       {std::string(), std::string(kMaxKeyLength + 1, 'a'), std::string("k\r\nforged line"),
        std::string("k\n"), std::string("with space"), std::string("tab\t"),
        std::string("nul\0", 4), std::string("esc\x1b[2J"), std::string("del\x7f"),
        std::string("caf\xc3\xa9"), std::string("k-sk_test_secret-1")}) {
    EXPECT_NE(key_problem(key, "sk_test_secret"), nullptr) << key;
  }
  EXPECT_EQ(key_problem("k-sk_test_secret-1", ""), nullptr) << "no secret, nothing to find";
}

TEST(ParseQueryPageTest, RowsWithUnsafeKeysAreSkippedWithoutQuotingTheKey) {
  const std::vector<std::string> unsafe = {"k\r\n[buildable] error: forged", "key with spaces",
                                           std::string(300, 'k'), "k-s3cr3t-value-1"};
  json rows = json::array();
  for (const auto& key : unsafe) {
    auto row = full_row();
    row["key"] = key;
    rows.push_back(row);
  }
  rows.push_back(full_row());
  const auto page = parse_query_page(json{{"rows", rows}}.dump(), "tx", "s3cr3t-value");
  ASSERT_EQ(page.rows.size(), 1U);
  EXPECT_EQ(page.rows[0].message.key, kKey);
  ASSERT_EQ(page.row_errors.size(), unsafe.size());
  for (std::size_t i = 0; i < unsafe.size(); ++i) {
    const auto& why = page.row_errors[i];
    EXPECT_NE(why.find("protocol error"), std::string::npos) << why;
    EXPECT_EQ(why.find(unsafe[i]), std::string::npos) << why;
    EXPECT_EQ(why.find("s3cr3t"), std::string::npos) << why;
    EXPECT_EQ(why.find_first_of("\r\n"), std::string::npos) << why;
  }
}

TEST(ParseQueryPageTest, InvalidUtf8InsideTheBodyIsProtocolError) {
  const std::string body = std::string(R"({"rows":[{"key":")") + "\xc3\x28" + R"("}]})";
  EXPECT_THROW(parse_query_page(body, "tx"), ProtocolError);
}

}  // namespace
