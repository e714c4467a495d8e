#include "json_argument.hpp"

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <system_error>

#include "detail/support/json_depth.hpp"
#include "errors.hpp"

namespace buildable::cli {
namespace {

std::string read_stream(std::istream& in) {
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

JsonText read_json_argument(const std::string& argument, const std::string& what,
                            bool dash_is_stdin) {
  if (argument == "@-" || (dash_is_stdin && argument == "-")) {
    return {read_stream(std::cin), "read from standard input"};
  }
  if (argument.rfind('@', 0) != 0) return {argument, "argument"};
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
  return {read_stream(file), "in '" + path + "'"};
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
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(what + " " + json.source + " is not valid JSON: " + e.what());
  }
  if (too_deep) {
    throw UsageError(what + " " + json.source + " nests arrays and objects deeper than " +
                     std::to_string(detail::kMaxSentJsonDepth) + " levels");
  }
  return value;
}

}  // namespace buildable::cli
