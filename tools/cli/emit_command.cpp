// buildable emit EVENT [JSON|@FILE|-]: publishes one message and prints its key.
#include <algorithm>
#include <buildable/client.hpp>
#include <chrono>
#include <cstddef>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "commands.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "json_argument.hpp"
#include "line_output.hpp"

namespace buildable::cli {
namespace {

/// The payload argument: JSON text, @FILE, or standard input for '-' and '@-'; an object.
nlohmann::json payload_of(const std::string& argument) {
  nlohmann::json payload = parse_json_argument(
      read_json_argument(argument, "payload", true, max_json_argument_bytes()), "the payload");
  if (!payload.is_object()) {
    throw UsageError("the payload must be a JSON object, got " + std::string(payload.type_name()));
  }
  return payload;
}

}  // namespace

std::string emit_help() {
  return "Usage: buildable emit [OPTIONS] EVENT [JSON|@FILE|-]\n\n"
         "Publishes event EVENT (e.g. user.created) with a JSON object payload: the JSON\n"
         "argument, the content of FILE for @FILE (as curl -d @FILE), or standard input for\n"
         "'-' or '@-'; default {}; at most 1 MiB. Prints the message key (when standard\n"
         "output cannot be written: on standard error, exit 1; the message was sent). Arrays\n"
         "and objects may nest at most 511 levels deep (the payload is level 1).\n\n"
         "Options:\n"
         "  --json              print {\"key\":\"...\",\"attempts\":N} instead of the bare key\n"
         "  --retry-auth        when the service refuses the secret key (HTTP 401/403), keep\n"
         "                      retrying (1 s, doubling up to 30 s) instead of exiting 4: for\n"
         "                      a key that is being rotated in\n"
         "  --timeout SECONDS   with --retry-auth: give up after SECONDS and exit 124\n\n" +
         global_options_help() +
         "\nA failed emit is retried only when the service provably did not receive it\n"
         "(connection refused, 429, 503; with --retry-auth also 401/403), so it never\n"
         "creates a duplicate message.\n\n" +
         exit_codes_help();
}

int run_emit(const std::vector<std::string>& args, GlobalOptions global) {
  try {
    auto specs = global_flag_specs();
    specs.push_back({"--json", false, ""});
    specs.push_back({"--retry-auth", false, ""});
    specs.push_back({"--timeout", true, ""});
    const ParsedArguments parsed = parse_arguments(args, specs);
    if (parsed.has("--help")) {
      std::cout << emit_help();
      return kExitOk;
    }
    global.merge(parsed);
    const std::string event =
        event_argument(parsed, 2, " (quote the JSON payload as one argument)");
    const bool retry_auth = parsed.has("--retry-auth");
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (auto value = parsed.value("--timeout")) {
      if (!retry_auth) throw UsageError("--timeout needs --retry-auth (an emit does not wait)");
      deadline = std::chrono::steady_clock::now() + parse_seconds("--timeout", *value);
    }

    nlohmann::json payload = nlohmann::json::object();
    if (parsed.positionals.size() == 2) payload = payload_of(parsed.positionals[1]);

    Client client(make_client_options(global, "emit"));
    std::chrono::milliseconds pause{1000};
    std::optional<EmitResult> result;
    while (!result) {
      try {
        result = client.emit(event, payload);
      } catch (const buildable::HttpError& e) {
        // A refused key means the message was not stored: sending it again cannot duplicate.
        if (!retry_auth || !refuses_secret_key(e.status())) throw;
        const auto now = std::chrono::steady_clock::now();
        if (deadline && now >= *deadline) {
          write_diagnostic(std::string("buildable emit: ") + e.what() +
                           "; --timeout expired while retrying");
          return kExitTimeout;
        }
        auto wait = pause;
        if (deadline) {
          wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*deadline - now));
        }
        write_diagnostic(std::string("buildable emit: ") + e.what() + "; retrying in " +
                         std::to_string(wait.count()) + " ms (--retry-auth)");
        std::this_thread::sleep_for(wait);
        pause = std::min(pause * 2, std::chrono::milliseconds(30'000));
      }
    }
    std::string line = result->key;
    if (parsed.has("--json")) {
      nlohmann::ordered_json json;
      json["key"] = result->key;
      json["attempts"] = result->attempts;
      line = json.dump();
    }
    if (const int error = write_stdout(line + "\n"); error != 0) {
      // The message was sent: its key goes to standard error, the only place left.
      write_diagnostic("buildable emit: cannot write to standard output: " +
                       std::generic_category().message(error) + "; the message was sent, key " +
                       result->key);
      return kExitFailure;
    }
    return kExitOk;
  } catch (...) {
    return report_current_exception("emit");
  }
}

}  // namespace buildable::cli
