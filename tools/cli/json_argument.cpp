#include "json_argument.hpp"

#include <algorithm>
#include <array>
#include <buildable/client_options.hpp>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "detail/support/json_depth.hpp"
#include "errors.hpp"

namespace buildable::cli {
namespace {

/// At most `max_bytes` + 1 bytes of `in`: one more than allowed is enough to refuse.
std::string read_stream(std::istream& in, std::size_t max_bytes) {
  std::string text;
  std::array<char, 65536> buffer{};
  while (text.size() <= max_bytes && in) {
    const std::size_t want = std::min(buffer.size(), max_bytes + 1 - text.size());
    in.read(buffer.data(), static_cast<std::streamsize>(want));
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

/// `json`, unless its text is longer than `max_bytes`.
JsonText limited(JsonText json, const std::string& what, std::size_t max_bytes) {
  if (json.text.size() > max_bytes) {
    throw UsageError("the " + what + " " + json.source + " is larger than " +
                     std::to_string(max_bytes) + " bytes, the largest request body the tool sends");
  }
  return json;
}

}  // namespace

std::size_t max_json_argument_bytes() {
  return ClientOptions{}.max_body_bytes;
}

JsonText read_json_argument(const std::string& argument, const std::string& what,
                            bool dash_is_stdin, std::size_t max_bytes) {
  if (argument == "@-" || (dash_is_stdin && argument == "-")) {
    return limited({read_stream(std::cin, max_bytes), "read from standard input"}, what, max_bytes);
  }
  if (argument.rfind('@', 0) != 0) return limited({argument, "argument"}, what, max_bytes);
  const std::string path = argument.substr(1);
  if (path.empty()) throw UsageError("'@' must be followed by a file name (or '-' for stdin)");
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  std::error_code ignored;
  if (!file.is_open() || std::filesystem::is_directory(path, ignored)) {
    const int code = errno;
    throw UsageError("cannot read the " + what + " file '" + path + "'" +
                     (code != 0 ? ": " + std::generic_category().message(code) : ""));
  }
  return limited({read_stream(file, max_bytes), "in '" + path + "'"}, what, max_bytes);
}

nlohmann::json parse_json_argument(const JsonText& json, const std::string& what) {
  // The SDK refuses values nested deeper than kMaxSentJsonDepth; the callback stops building
  // the value at that depth (nlohmann's parser keeps its own stack on the heap). `depth`
  // counts from 0 at the top level: an array or object opening at depth d is level d + 1.
  bool too_deep = false;
  const nlohmann::json::parser_callback_t limit =
      [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        const bool opens = event == nlohmann::json::parse_event_t::array_start ||
                           event == nlohmann::json::parse_event_t::object_start;
        if (!opens || static_cast<std::size_t>(depth) < detail::kMaxSentJsonDepth) return true;
        too_deep = true;
        return false;
      };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(json.text, limit);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double (1e999).
    throw UsageError(what + " " + json.source + " is not valid JSON: " + e.what());
  }
  if (too_deep) {
    throw UsageError(what + " " + json.source + " nests arrays and objects deeper than " +
                     std::to_string(detail::kMaxSentJsonDepth) + " levels");
  }
  return value;
}

}  // namespace buildable::cli
