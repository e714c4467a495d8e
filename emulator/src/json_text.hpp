// JSON in and out of the HTTP layer, safe against hostile input: text built from request
// bytes may be invalid UTF-8, and nesting may be deep enough to overflow the stack of every
// recursive walk over the value (dump, compare, copy).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace buildable::emulator::detail {

/// Deepest nesting of arrays and objects the emulator accepts in a request body (the SDK
/// refuses deeper answers too).
inline constexpr int kMaxJsonDepth = 512;

/// `value` as compact JSON text. Never throws for invalid UTF-8 in strings (such bytes become
/// U+FFFD), so an error message quoting a hostile path cannot take a worker down.
std::string to_json_text(const nlohmann::json& value);

/// The outcome of parsing a request body.
struct ParsedBody {
  enum class Status { ok, invalid, too_deep };
  Status status = Status::invalid;
  nlohmann::json value;
};

/// Parses `text`, refusing nesting deeper than kMaxJsonDepth without building it.
ParsedBody parse_request_json(std::string_view text);

}  // namespace buildable::emulator::detail
