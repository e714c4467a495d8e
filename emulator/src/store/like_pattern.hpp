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

}  // namespace buildable::emulator::detail
