#pragma once
// Compact JSON written straight into a request body, as nlohmann's dump() writes it.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace buildable::detail {

/// Appends `text` as a JSON string. Printable ASCII without quotes or backslashes (names and
/// most payload text) is copied as is; anything else goes through nlohmann's serializer, which
/// escapes it and throws nlohmann::json::type_error for invalid UTF-8.
void append_json_string(std::string& out, std::string_view text);

/// Appends `value` as compact JSON, byte for byte what `value.dump()` writes (strings are
/// not forced to ASCII), and throws what dump() throws: nlohmann::json::type_error for
/// invalid UTF-8 in a string. It spends about half of dump()'s instructions on usual
/// payloads: no output adapter, no per-character escaping of plain text.
///
/// Recurses once per level of nesting: check the depth first (find_defect()).
void append_json(std::string& out, const nlohmann::json& value);

}  // namespace buildable::detail
