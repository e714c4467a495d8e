// Regression test for the one crash found while fuzzing that the corpus cannot carry: JSON
// nested ~100,000 levels deep (200 kB; libFuzzer stays below 4 kB) overflowed the stack in
// parse_query_page, which copies each row (nlohmann::json copies recurse once per level).
// Now anything nested deeper than kMaxJsonDepth is refused: the whole page when the body
// itself nests too deep, just the row (decode_error) when a string-encoded field does.

#include <buildable/errors.hpp>
#include <cstddef>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "detail/protocol/message_parsing.hpp"
#include "detail/protocol/response_parsing.hpp"
#include "fuzz_check.hpp"

namespace {

using buildable::ProtocolError;
using buildable::detail::kMaxJsonDepth;
using buildable::detail::parse_emit_key;
using buildable::detail::parse_error_body;
using buildable::detail::parse_query_page;

constexpr std::size_t kDeep = 100'000;
const std::string kKey = "0123456789abcdef0123456789abcdef";

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

/// A page of one row whose payload is `payload`, as plain JSON (so the body nests 3 deeper).
std::string page_with_plain_payload(const std::string& payload) {
  return R"({"rows":[{"key":")" + kKey + R"(","payload":)" + payload + "}]}";
}

/// A page of one row whose payload is `payload` string-encoded, as the service sends it.
std::string page_with_string_payload(const std::string& payload) {
  return nlohmann::json{{"rows", {{{"key", kKey}, {"payload", payload}}}}}.dump();
}

bool refused(const std::string& body) {
  try {
    parse_query_page(body, "tx");
    return false;
  } catch (const ProtocolError& e) {
    return std::string(e.what()).find("nested deeper") != std::string::npos;
  }
}

}  // namespace

int main() {
  // The body itself too deep: the page is refused, nothing is copied.
  FUZZ_CHECK(refused(page_with_plain_payload(nested(kDeep))));
  FUZZ_CHECK(refused(page_with_plain_payload(nested(kMaxJsonDepth - 2))));
  FUZZ_CHECK(!refused(page_with_plain_payload(nested(kMaxJsonDepth - 3))));
  FUZZ_CHECK(refused(nested(kDeep)));
  FUZZ_CHECK(refused(std::string(kDeep, '{')));  // truncated as well as deep

  // A string-encoded payload too deep: only that row fails to decode; its key survives so the
  // listener records it failed instead of offering it again.
  for (const std::size_t depth : {kDeep, kMaxJsonDepth + 1}) {
    const auto page = parse_query_page(page_with_string_payload(nested(depth)), "tx");
    FUZZ_CHECK(page.rows.size() == 1);
    FUZZ_CHECK(page.rows[0].message.key == kKey);
    FUZZ_CHECK(page.rows[0].decode_error.find("nested deeper") != std::string::npos);
  }
  const auto page = parse_query_page(page_with_string_payload(nested(kMaxJsonDepth)), "tx");
  FUZZ_CHECK(page.rows.size() == 1 && page.rows[0].decode_error.empty());
  FUZZ_CHECK(page.rows[0].message.payload.is_array());
  // Brackets inside strings do not count.
  FUZZ_CHECK(!refused(page_with_plain_payload(nlohmann::json(nested(kDeep)).dump())));

  // The error and /emit readers copy nothing deep; they must simply survive.
  const std::string deep_object = R"({"key":)" + nested(kDeep) + "}";
  FUZZ_CHECK(parse_error_body(deep_object).name.empty());
  try {
    parse_emit_key(deep_object);
    FUZZ_CHECK(false);
  } catch (const ProtocolError&) {
  }
  std::puts("deep nesting refused without overflowing the stack");
  return 0;
}
