#include "detail/protocol/listen_requests.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "detail/support/random_token.hpp"

namespace {

using buildable::detail::make_claim_body;
using buildable::detail::make_query_body;
using buildable::detail::make_record_body;
using buildable::detail::QuerySpec;
using nlohmann::json;

TEST(MakeQueryBodyTest, AllFields) {
  QuerySpec spec;
  spec.event = "user.created";
  spec.tx_key = "worker";
  spec.platform = "custom";
  spec.label = "demo";
  spec.since_ms = 1700000000123;
  const json body = json::parse(make_query_body(spec, 25));
  EXPECT_EQ(body, (json{{"eventName", "user.created"},
                        {"txKey", "worker"},
                        {"platform", "custom"},
                        {"label", "demo"},
                        {"since", 1700000000123LL},
                        {"txState", "does-not-exist"},
                        {"page", 1},
                        {"pageSize", 25}}));
  EXPECT_TRUE(body["since"].is_number_integer());
  EXPECT_TRUE(body["page"].is_number_integer());
  EXPECT_TRUE(body["pageSize"].is_number_integer());
}

TEST(MakeQueryBodyTest, EmptyPlatformAndLabelAreOmitted) {
  QuerySpec spec;
  spec.event = "e";
  spec.tx_key = "t";
  const std::string text = make_query_body(spec, 100);
  EXPECT_EQ(text.find("platform"), std::string::npos) << text;
  EXPECT_EQ(text.find("label"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text), (json{{"eventName", "e"},
                                     {"txKey", "t"},
                                     {"since", 0},
                                     {"txState", "does-not-exist"},
                                     {"page", 1},
                                     {"pageSize", 100}}));
}

TEST(MakeQueryBodyTest, OnlyLabelGiven) {
  QuerySpec spec;
  spec.event = "e";
  spec.tx_key = "t";
  spec.label = "demo";
  const json body = json::parse(make_query_body(spec, 10));
  EXPECT_FALSE(body.contains("platform"));
  EXPECT_EQ(body.at("label"), "demo");
}

TEST(MakeQueryBodyTest, ExactCompactText) {
  QuerySpec spec;
  spec.event = "a\"b";
  spec.tx_key = "t";
  spec.since_ms = 5;
  EXPECT_EQ(make_query_body(spec, 10), R"({"eventName":"a\"b","page":1,"pageSize":10,"since":5,)"
                                       R"("txKey":"t","txState":"does-not-exist"})");
}

TEST(MakeClaimBodyTest, Fields) {
  EXPECT_EQ(
      json::parse(make_claim_body("k1", "tx", "user.created", "0123")),
      (json{
          {"key", "k1"}, {"txKey", "tx"}, {"eventName", "user.created"}, {"claimToken", "0123"}}));
  EXPECT_EQ(make_claim_body("k", "t", "e", "c"),
            R"({"claimToken":"c","eventName":"e","key":"k","txKey":"t"})");
}

TEST(RandomTokenTest, ThirtyTwoHexDigitsDifferentEachTime) {
  const std::string a = buildable::detail::random_token();
  const std::string b = buildable::detail::random_token();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST(MakeRecordBodyTest, FinishedWithJsonOutput) {
  const json output = {{"ok", true}, {"n", 3}};
  EXPECT_EQ(json::parse(make_record_body("k", "tx", "e", output, false)),
            (json{{"key", "k"},
                  {"txKey", "tx"},
                  {"eventName", "e"},
                  {"output", output},
                  {"state", "finished"}}));
}

TEST(MakeRecordBodyTest, FailedWithStringOutput) {
  const json body = json::parse(make_record_body("k", "tx", "e", "boom: \"quoted\"\n", true));
  EXPECT_EQ(body.at("state"), "failed");
  EXPECT_EQ(body.at("output"), "boom: \"quoted\"\n");
}

TEST(MakeRecordBodyTest, NullOutputIsSentAsNull) {
  const json body = json::parse(make_record_body("k", "tx", "e", nullptr, false));
  ASSERT_TRUE(body.contains("output"));
  EXPECT_TRUE(body.at("output").is_null());
}

TEST(MakeRecordBodyTest, InvalidUtf8OutputThrowsTypeError) {
  EXPECT_THROW(make_record_body("k", "tx", "e", json(std::string("\xff\xfe")), true),
               nlohmann::json::type_error);
}

}  // namespace
