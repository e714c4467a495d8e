// JSON given on the command line: as text, as `@FILE` (curl's -d @FILE), or from standard
// input, parsed with the SDK's nesting limit.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace buildable::cli {

/// A JSON argument's text and where it came from, for messages ("argument", "in 'FILE'",
/// "read from standard input").
struct JsonText {
  std::string text;
  std::string source;
};

/// The most bytes a JSON argument may have: ClientOptions::max_body_bytes' default (1 MiB),
/// the largest request body the SDK sends (the tool keeps the default), so a longer payload or
/// output could never be sent. Checked while reading: `@/dev/zero` costs at most this much.
std::size_t max_json_argument_bytes();

/// The text of `argument`: itself, the content of FILE for `@FILE`, or standard input for
/// `@-` (and for `-` when `dash_is_stdin`). UsageError naming `what` (e.g. "payload") when
/// the file cannot be read, or when the text is longer than `max_bytes` (reading stops there).
JsonText read_json_argument(const std::string& argument, const std::string& what,
                            bool dash_is_stdin, std::size_t max_bytes);

/// Parses `json.text` as any JSON value nesting at most detail::kMaxSentJsonDepth levels,
/// checked while parsing so that a hostile input costs no more than the limit. UsageError
/// naming `what` and the source otherwise.
nlohmann::json parse_json_argument(const JsonText& json, const std::string& what);

}  // namespace buildable::cli
