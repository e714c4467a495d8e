#include "detail/support/json_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace buildable::detail {
namespace {

bool plain_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\';
  });
}

/// Text that needs escaping or holds non-ASCII bytes (checked as UTF-8), through nlohmann's
/// serializer. Out of line for the same reason as append_scalar().
[[gnu::noinline]] void append_escaped(std::string& out, std::string_view text) {
  out.append(nlohmann::json(text).dump());
}

template <class Integer>
void append_integer(std::string& out, Integer number) {
  std::array<char, 24> digits{};
  const char* end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
  out.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
}

void append_float(std::string& out, double number) {
  if (!std::isfinite(number)) {
    out.append("null");  // as dump() writes NaN and infinities
    return;
  }
  // nlohmann's own shortest round-trip formatting, so that the text matches dump()'s.
  std::array<char, 64> text{};
  char* end = nlohmann::detail::to_chars(text.data(), text.data() + text.size(), number);
  out.append(text.data(), static_cast<std::size_t>(end - text.data()));
}

/// Everything but arrays and objects. Kept out of append_json()'s frame, which recursion
/// repeats once per level: the number buffers and the fallback's temporaries would otherwise
/// take stack at every level (a 511-level payload must fit a small thread stack).
[[gnu::noinline]] void append_scalar(std::string& out, const nlohmann::json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::string:
      append_json_string(out, *value.get_ptr<const std::string*>());
      return;
    case Type::boolean:
      out.append(value.get<bool>() ? "true" : "false");
      return;
    case Type::number_integer:
      append_integer(out, value.get<std::int64_t>());
      return;
    case Type::number_unsigned:
      append_integer(out, value.get<std::uint64_t>());
      return;
    case Type::number_float:
      append_float(out, value.get<double>());
      return;
    case Type::null:
      out.append("null");
      return;
    default:  // binary, discarded: rare, and never in a body the SDK sends (find_defect())
      out.append(value.dump());
      return;
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  if (!plain_text(text)) {
    append_escaped(out, text);
    return;
  }
  out.push_back('"');
  out.append(text);
  out.push_back('"');
}

void append_json(std::string& out, const nlohmann::json& value) {
  if (value.is_object()) {
    out.push_back('{');
    bool first = true;
    for (const auto& [name, member] : *value.get_ptr<const nlohmann::json::object_t*>()) {
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, name);
      out.push_back(':');
      append_json(out, member);
    }
    out.push_back('}');
  } else if (value.is_array()) {
    out.push_back('[');
    bool first = true;
    for (const auto& element : *value.get_ptr<const nlohmann::json::array_t*>()) {
      if (!first) out.push_back(',');
      first = false;
      append_json(out, element);
    }
    out.push_back(']');
  } else {
    append_scalar(out, value);
  }
}

}  // namespace buildable::detail
