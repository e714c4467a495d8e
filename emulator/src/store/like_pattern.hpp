// The dashboard's payload search as a LIKE pattern, for both stores.
#pragma once

#include <string>

namespace buildable::emulator::detail {

/// `text` as a LIKE pattern (escape character `\`) that finds it anywhere, its own `%`, `_`
/// and `\` taken literally.
inline std::string like_contains_pattern(const std::string& text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

/// `text` with A-Z lowered and every other byte kept: SQLite's LIKE folds only ASCII letters,
/// and PostgreSQL's ILIKE (or lower()) would follow the database's locale, so PostgreSQL
/// compares translate()d text with a pattern lowered here.
inline std::string ascii_lowercase(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace buildable::emulator::detail
