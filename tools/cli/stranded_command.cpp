// buildable stranded EVENT [...]: lists the messages left `processing` for a txKey
// (Client::stranded()), one line each.
#include <buildable/client.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

#include "commands.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "line_output.hpp"
#include "message_output.hpp"
#include "stranded_query.hpp"

namespace buildable::cli {
namespace {

/// `text` with control characters (tabs and line breaks included) shown as '?', so a field
/// of a text line cannot split or forge one.
std::string one_field(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

}  // namespace

std::string stranded_help() {
  return "Usage: buildable stranded [OPTIONS] EVENT\n\n"
         "Lists the stranded messages of event EVENT: those whose transaction for the\n"
         "transaction key is still 'processing' because their claim's answer was lost, their\n"
         "listener died or was stopped between claim and record, or recording failed. The\n"
         "service never offers them to that key again; 'buildable resolve' ends them.\n"
         "A message a running listener is handling right now is 'processing' too: see\n"
         "--min-age.\n\n"
         "One line per message, oldest first, fields separated by tabs:\n"
         "  KEY  EVENT  CREATED_AT (ISO-8601 UTC)  AGE (e.g. 4m07s, since CREATED_AT)\n"
         "With --json, the JSON line 'buildable listen' prints plus \"ageMs\" (and\n"
         "\"decodeError\" for a message whose content cannot be decoded).\n\n"
         "Options:\n" +
         stranded_query_help() + "  --json              print JSON lines\n\n" +
         global_options_help() +
         "\nThe age is the message's (the protocol does not say when it was claimed). When\n"
         "more messages match than --limit, the oldest are listed and a note goes to\n"
         "standard error. Exit 0 also when nothing is stranded.\n\n" +
         exit_codes_help();
}

int run_stranded(const std::vector<std::string>& args, GlobalOptions global) {
  try {
    auto specs = global_flag_specs();
    for (auto& spec : stranded_query_flag_specs())
      specs.push_back(std::move(spec));
    specs.push_back({"--json", false, ""});
    const ParsedArguments parsed = parse_arguments(args, specs);
    if (parsed.has("--help")) {
      std::cout << stranded_help();
      return kExitOk;
    }
    global.merge(parsed);
    const std::string event = event_argument(parsed, 1);
    const StrandedQuery query = make_stranded_query(event, parsed);
    const bool json = parsed.has("--json");

    Client client(make_client_options(global, "stranded"));
    const StrandedList list = client.stranded(query);
    for (const auto& why : list.skipped)
      write_diagnostic("buildable stranded: " + why);
    for (const auto& entry : list.messages) {
      const Message& m = entry.message;
      std::string line;
      if (json) {
        nlohmann::ordered_json object = message_json(m);
        object["ageMs"] = entry.age.count();
        if (!entry.decode_error.empty()) object["decodeError"] = entry.decode_error;
        line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } else {
        line = m.key + "\t" + one_field(m.event) + "\t" + format_utc(m.created_at) + "\t" +
               format_age(entry.age);
      }
      if (const int error = write_stdout(line + "\n"); error != 0) {
        write_diagnostic("buildable stranded: cannot write to standard output: " +
                         std::generic_category().message(error));
        return kExitFailure;
      }
      if (!json && !entry.decode_error.empty()) {
        write_diagnostic("buildable stranded: message " + m.key +
                         " cannot be decoded: " + entry.decode_error);
      }
    }
    if (list.truncated) {
      write_diagnostic("buildable stranded: more messages match; these are the oldest " +
                       std::to_string(list.messages.size()) +
                       " (raise --limit, or resolve these first)");
    }
    return kExitOk;
  } catch (...) {
    return report_current_exception("stranded");
  }
}

}  // namespace buildable::cli
