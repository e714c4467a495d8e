// buildable emit EVENT [JSON|-]: publishes one message and prints its key.
#include <buildable/client.hpp>
#include <cstddef>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"
#include "detail/support/json_depth.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"

namespace buildable::cli {
namespace {

nlohmann::json read_payload(const std::string& text, const std::string& source) {
  // The SDK refuses payloads nested deeper than kMaxSentJsonDepth; the callback stops
  // building the value at that depth, so a hostile input costs no more than the limit
  // (nlohmann's parser itself keeps its own stack on the heap).
  bool too_deep = false;
  const nlohmann::json::parser_callback_t limit =
      [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        const bool opens = event == nlohmann::json::parse_event_t::array_start ||
                           event == nlohmann::json::parse_event_t::object_start;
        // `depth` counts from 0 at the top level: an array or object opening at depth d is
        // level d + 1.
        if (!opens || static_cast<std::size_t>(depth) < detail::kMaxSentJsonDepth) return true;
        too_deep = true;
        return false;
      };
  nlohmann::json payload;
  try {
    payload = nlohmann::json::parse(text, limit);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError("the payload " + source + " is not valid JSON: " + e.what());
  }
  if (too_deep) {
    throw UsageError("the payload " + source + " nests arrays and objects deeper than " +
                     std::to_string(detail::kMaxSentJsonDepth) + " levels");
  }
  if (!payload.is_object()) {
    throw UsageError("the payload must be a JSON object, got " + std::string(payload.type_name()));
  }
  return payload;
}

}  // namespace

std::string emit_help() {
  return "Usage: buildable emit [OPTIONS] EVENT [JSON|-]\n\n"
         "Publishes event EVENT (e.g. user.created) with a JSON object payload: the JSON\n"
         "argument, or standard input when it is '-'; default {}. Prints the message key.\n"
         "Arrays and objects may nest at most 511 levels deep (the payload is level 1).\n\n"
         "Options:\n"
         "  --json             print {\"key\":\"...\",\"attempts\":N} instead of the bare key\n\n" +
         global_options_help() +
         "\nA failed emit is retried only when the service provably did not receive it\n"
         "(connection refused, 429, 503), so it never creates a duplicate message.\n\n" +
         exit_codes_help();
}

int run_emit(const std::vector<std::string>& args, GlobalOptions global) {
  try {
    auto specs = global_flag_specs();
    specs.push_back({"--json", false, ""});
    const ParsedArguments parsed = parse_arguments(args, specs);
    if (parsed.has("--help")) {
      std::cout << emit_help();
      return kExitOk;
    }
    global.merge(parsed);
    if (parsed.positionals.empty()) throw UsageError("missing EVENT");
    if (parsed.positionals.size() > 2) {
      throw UsageError("unexpected argument '" + parsed.positionals[2] +
                       "' (quote the JSON payload as one argument)");
    }
    const std::string& event = parsed.positionals[0];
    if (event.empty()) throw UsageError("EVENT must not be empty");

    nlohmann::json payload = nlohmann::json::object();
    if (parsed.positionals.size() == 2) {
      if (parsed.positionals[1] == "-") {
        const std::string text{std::istreambuf_iterator<char>(std::cin),
                               std::istreambuf_iterator<char>()};
        payload = read_payload(text, "read from standard input");
      } else {
        payload = read_payload(parsed.positionals[1], "argument");
      }
    }

    Client client(make_client_options(global));
    const EmitResult result = client.emit(event, payload);
    if (parsed.has("--json")) {
      nlohmann::ordered_json line;
      line["key"] = result.key;
      line["attempts"] = result.attempts;
      std::cout << line.dump() << "\n";
    } else {
      std::cout << result.key << "\n";
    }
    std::cout.flush();
    return std::cout ? kExitOk : kExitFailure;
  } catch (...) {
    return report_current_exception("emit");
  }
}

}  // namespace buildable::cli
