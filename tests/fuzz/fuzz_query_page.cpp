// Fuzzes parse_query_page (and parse_message_row through it and directly) with /query answers.
// Invariants: only buildable::ProtocolError escapes, and only when the body is not a JSON
// object with a `rows` array nested at most kMaxJsonDepth deep; every returned row has a
// non-empty key; rows plus row_errors account for every element of `rows`, in order; a fully
// decoded row carries exactly the row's fields, string-encoded payload/headers/query decoded
// once (and refused when nested too deep).

#include <algorithm>
#include <buildable/errors.hpp>
#include <buildable/message.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/protocol/message_parsing.hpp"
#include "fuzz_check.hpp"

namespace {

using buildable::Message;
using buildable::ProtocolError;
using buildable::detail::key_problem;
using buildable::detail::kMaxJsonDepth;
using buildable::detail::parse_message_row;
using buildable::detail::parse_query_page;
using buildable::detail::QueryPage;
using nlohmann::json;

const std::string kTxKey = "fuzz-tx";

std::string string_field(const json& row, const char* name) {
  const auto found = row.find(name);
  return found != row.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// How deeply arrays and objects nest (a scalar is 0), without recursing.
std::size_t depth_of(const json& value) {
  std::size_t deepest = 0;
  std::vector<std::pair<const json*, std::size_t>> pending = {{&value, 0}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const auto& child : *node)
      pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

/// What a decoded payload/headers/query must be; nullopt when it is a string that is not JSON
/// or nests too deep.
std::optional<json> expected_field(const json& row, const char* name) {
  const auto found = row.find(name);
  if (found == row.end() || found->is_null()) return json::object();
  if (!found->is_string()) return *found;
  const auto& text = found->get_ref<const std::string&>();
  if (text.empty()) return json::object();
  auto parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || depth_of(parsed) > kMaxJsonDepth) return std::nullopt;
  return parsed;
}

bool decoded_as_expected(const json& actual, const json& row, const char* name) {
  const auto expected = expected_field(row, name);
  return expected.has_value() && actual == *expected;
}

bool decodable(const json& row) {
  return expected_field(row, "payload") && expected_field(row, "headers") &&
         expected_field(row, "query");
}

std::chrono::system_clock::time_point expected_created_at(const json& row) {
  const auto created = row.find("createdAt");
  if (created == row.end() || !created->is_number()) return {};
  const double ms = created->get<double>();
  if (!(ms > -9.2e12 && ms < 9.2e12)) return {};
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
}

/// A message parse_message_row returned for `row`.
void check_message(const Message& message, const json& row) {
  FUZZ_CHECK(!message.key.empty());
  FUZZ_CHECK(message.key == string_field(row, "key"));
  FUZZ_CHECK(message.event == string_field(row, "eventName"));
  FUZZ_CHECK(message.environment == string_field(row, "environment"));
  FUZZ_CHECK(message.platform == string_field(row, "platform"));
  FUZZ_CHECK(message.label == string_field(row, "label"));
  FUZZ_CHECK(message.tx_key == kTxKey);
  FUZZ_CHECK(message.raw == row);
  FUZZ_CHECK(decoded_as_expected(message.payload, row, "payload"));
  FUZZ_CHECK(decoded_as_expected(message.headers, row, "headers"));
  FUZZ_CHECK(decoded_as_expected(message.query, row, "query"));
  FUZZ_CHECK(message.created_at == expected_created_at(row));
}

void check_page(const QueryPage& page, const json& rows) {
  std::size_t next_row = 0;
  std::size_t skipped = 0;
  for (const auto& row : rows) {
    if (!row.is_object() || key_problem(string_field(row, "key"), {}) != nullptr) {
      ++skipped;
      continue;
    }
    FUZZ_CHECK(next_row < page.rows.size());
    const auto& parsed = page.rows[next_row++];
    FUZZ_CHECK(!parsed.message.key.empty());
    FUZZ_CHECK(parsed.message.key == string_field(row, "key"));
    FUZZ_CHECK(parsed.message.raw == row);
    if (parsed.decode_error.empty()) {
      check_message(parsed.message, row);
    } else {
      // Only a string-encoded field that is not JSON makes a keyed row undecodable; the row
      // is still returned so the listener can record it failed.
      FUZZ_CHECK(!decodable(row));
      FUZZ_CHECK(parsed.message.event == string_field(row, "eventName"));
      FUZZ_CHECK(parsed.message.tx_key == kTxKey);
    }
  }
  FUZZ_CHECK(next_row == page.rows.size());
  FUZZ_CHECK(skipped == page.row_errors.size());
  for (const auto& why : page.row_errors)
    FUZZ_CHECK(!why.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = buildable_fuzz::as_text(data, size);
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto rows = parsed.is_object() ? parsed.find("rows") : parsed.end();
  const bool shallow = depth_of(parsed) <= kMaxJsonDepth;
  const bool has_rows_array = parsed.is_object() && rows != parsed.end() && rows->is_array();

  try {
    const QueryPage page = parse_query_page(std::string(body), kTxKey);
    FUZZ_CHECK(has_rows_array && shallow);
    check_page(page, *rows);
  } catch (const ProtocolError& e) {
    FUZZ_CHECK(!has_rows_array || !shallow);
    FUZZ_CHECK(*e.what() != '\0');
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("parse_query_page");
  }

  // The body itself as one row, whatever JSON it is (within the depth parse_query_page allows).
  if (!parsed.is_discarded() && shallow) {
    try {
      const Message message = parse_message_row(parsed, kTxKey);
      FUZZ_CHECK(parsed.is_object() && decodable(parsed));
      check_message(message, parsed);
    } catch (const ProtocolError& e) {
      FUZZ_CHECK(!parsed.is_object() || string_field(parsed, "key").empty() || !decodable(parsed));
      FUZZ_CHECK(*e.what() != '\0');
    } catch (...) {
      FUZZ_UNEXPECTED_EXCEPTION("parse_message_row");
    }
  }
  return 0;
}
