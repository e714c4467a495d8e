// flat_object_key: the allocation-free reading of /emit answers, checked against the full
// parser on the forms it takes and shown to hand everything else over.

#include "detail/protocol/flat_object_key.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace buildable::detail {
namespace {

/// The "key" string a full parse finds ("" when absent or not a string).
std::string parsed_key(const std::string& body) {
  const auto parsed = nlohmann::json::parse(body);
  const auto found = parsed.find("key");
  return found != parsed.end() && found->is_string() ? found->get<std::string>() : "";
}

TEST(FlatObjectKeyTest, ReadsTheKeyOfFlatObjectsAsTheParserDoes) {
  for (const std::string body : {
           R"({"status":"success","key":"0123abcd"})",
           R"({"key":"k"})",
           " {\n\t\"key\" : \"k\" ,\r\n \"n\":-0.5e+3, \"m\":0, \"e\":1E-2, \"t\":true } \n",
           R"({"f":false,"z":null,"key":"after literals"})",
           R"({})",
           R"({"other":"x"})",
           R"({"key":"first","key":"last"})",
           R"({"key":"text","key":12})",
           R"({"key":""})",
           R"({"key":7})",
       }) {
    SCOPED_TRACE(body);
    const std::optional<std::string> key = flat_object_key(body);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(*key, parsed_key(body));
  }
}

TEST(FlatObjectKeyTest, HandsEverythingElseToTheFullParser) {
  for (const std::string body : {
           "",
           "   ",
           "[]",
           R"("key")",
           R"({"key":"k"} trailing)",
           R"({"key":"k"}})",
           R"({"key":"k",})",
           R"({,"key":"k"})",
           R"({"key" "k"})",
           R"({"key":"k" "x":1})",
           R"({"key":"unterminated)",
           R"({"key":"esc\"aped"})",
           R"({"key":"\u0041"})",
           "{\"key\":\"caf\xc3\xa9\"}",
           "{\"key\":\"tab\tinside\"}",
           R"({"key":{"nested":1}})",
           R"({"a":[1,2],"key":"k"})",
           R"({"key":01})",
           R"({"key":-})",
           R"({"key":1.})",
           R"({"key":1e})",
           R"({"key":.5})",
           R"({"key":+1})",
           R"({"key":tru})",
           R"({"key":truex})",
           R"({"key":NaN})",
           "\xef\xbb\xbf{\"key\":\"bom\"}",
           R"({'key':'k'})",
       }) {
    SCOPED_TRACE(body);
    EXPECT_FALSE(flat_object_key(body).has_value());
  }
}

}  // namespace
}  // namespace buildable::detail
