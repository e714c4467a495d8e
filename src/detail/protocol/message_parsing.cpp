#include "detail/protocol/message_parsing.hpp"

#include <algorithm>
#include <buildable/errors.hpp>
#include <chrono>
#include <string>
#include <utility>

namespace buildable::detail {
namespace {

std::string string_or_empty(const nlohmann::json& row, const char* name) {
  const auto found = row.find(name);
  return found != row.end() && found->is_string() ? found->get<std::string>() : std::string();
}

/// The Node SDK JSON.parse()s these fields; the service may also send them as plain JSON.
nlohmann::json decoded_field(const nlohmann::json& row, const char* name) {
  const auto found = row.find(name);
  if (found == row.end() || found->is_null()) return nlohmann::json::object();
  if (!found->is_string()) return *found;
  const auto& text = found->get_ref<const std::string&>();
  if (text.empty()) return nlohmann::json::object();
  if (json_nesting_depth(text) > kMaxJsonDepth) {
    throw ProtocolError(std::string("message field '") + name + "' is nested deeper than " +
                        std::to_string(kMaxJsonDepth) + " levels");
  }
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw ProtocolError(std::string("message field '") + name + "' is not valid JSON");
  }
  return parsed;
}

}  // namespace

std::size_t json_nesting_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

const char* key_problem(std::string_view key, std::string_view secret) {
  if (key.empty()) return "it is empty";
  if (key.size() > kMaxKeyLength) return "it is longer than 256 bytes";
  for (const char c : key) {
    if (c <= ' ' || c >= 0x7f) {
      return "it contains a space, a control character or a byte that is not ASCII";
    }
  }
  if (!secret.empty() && key.find(secret) != std::string_view::npos) {
    return "it contains the client's secret";
  }
  return nullptr;
}

namespace {

/// parse_message_row() without Message::raw, which the caller fills (by moving when it can).
Message decode_row(const nlohmann::json& row, const std::string& tx_key) {
  if (!row.is_object()) throw ProtocolError("a message row is not a JSON object");
  Message message;
  message.key = string_or_empty(row, "key");
  if (message.key.empty()) throw ProtocolError("a message row has no key");
  message.event = string_or_empty(row, "eventName");
  message.payload = decoded_field(row, "payload");
  message.headers = decoded_field(row, "headers");
  message.query = decoded_field(row, "query");
  if (const auto created = row.find("createdAt"); created != row.end() && created->is_number()) {
    // Out of system_clock's range (about +-292 years around 1970 in nanoseconds) is garbage:
    // converting it would overflow, so it is left unset.
    constexpr double kLimitMs = 9.2e12;
    const double ms = created->get<double>();
    if (ms > -kLimitMs && ms < kLimitMs) {
      message.created_at = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
    }
  }
  message.environment = string_or_empty(row, "environment");
  message.platform = string_or_empty(row, "platform");
  message.label = string_or_empty(row, "label");
  message.tx_key = tx_key;
  return message;
}

}  // namespace

Message parse_message_row(const nlohmann::json& row, const std::string& tx_key) {
  Message message = decode_row(row, tx_key);
  message.raw = row;
  return message;
}

QueryPage parse_query_page(std::string body, const std::string& tx_key, std::string_view secret) {
  if (json_nesting_depth(body) > kMaxJsonDepth) {
    throw ProtocolError("the /query answer is nested deeper than " + std::to_string(kMaxJsonDepth) +
                        " levels");
  }
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  // A page may be hundreds of MiB: its text goes before its rows become messages, and each row
  // moves into Message::raw, so that at most about twice the page is held at once.
  std::string().swap(body);
  if (!parsed.is_object()) throw ProtocolError("the /query answer is not a JSON object");
  const auto rows = parsed.find("rows");
  if (rows == parsed.end() || !rows->is_array()) {
    throw ProtocolError("the /query answer has no 'rows' array");
  }
  QueryPage page;
  page.rows.reserve(rows->size());
  for (auto& row : *rows) {
    const std::string key = row.is_object() ? string_or_empty(row, "key") : std::string();
    if (key.empty()) {
      page.row_errors.emplace_back("a message row without a string 'key' was skipped");
      continue;
    }
    if (const char* problem = key_problem(key, secret)) {
      // Neither claimed nor handled, and never quoted: the key could forge or break a log
      // line, or carry the secret into one.
      page.row_errors.push_back("protocol error: a message row was skipped because its key (" +
                                std::to_string(key.size()) + " bytes, not shown) is unusable: " +
                                problem + "; it stays unclaimed");
      continue;
    }
    QueryRow parsed_row;
    try {
      parsed_row.message = decode_row(row, tx_key);
    } catch (const ProtocolError& e) {
      parsed_row.message.key = key;
      parsed_row.message.event = string_or_empty(row, "eventName");
      parsed_row.message.tx_key = tx_key;
      parsed_row.decode_error = e.what();
    }
    parsed_row.message.raw = std::move(row);
    page.rows.push_back(std::move(parsed_row));
  }
  return page;
}

}  // namespace buildable::detail
