// buildable: the command-line tool of the Buildable Events C++ SDK.
#include <buildable/version.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"

namespace buildable::cli {
namespace {

std::string main_help() {
  std::string text =
      "Usage: buildable [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
      "Command-line client of Buildable Events.\n\n"
      "Commands:\n"
      "  emit EVENT [JSON]     publish a message (JSON, @FILE or - for stdin); prints its key\n"
      "  listen EVENT          print messages as JSON lines (see 'buildable listen --help')\n"
      "  stranded EVENT        list messages left 'processing' for a transaction key\n"
      "  resolve EVENT KEY...  finish, fail or re-print stranded messages (or --all)\n";
#ifdef BUILDABLE_CLI_HAS_EMULATOR
  text += "  emulator              run a local emulator of the service in the foreground\n";
#endif
  text += "\n" + global_options_help() +
          "  --version          print the version\n\n"
          "'buildable COMMAND --help' describes a command.\n\n" +
          exit_codes_help();
  return text;
}

int run(const std::vector<std::string>& args) {
  GlobalOptions global;
  std::size_t i = 0;
  try {
    // Global options before the command.
    bool help = false;
    bool version = false;
    i = parse_leading_global_flags(args, global, help, version);
    if (version) {
      std::cout << "buildable " << kVersion << "\n";
      return kExitOk;
    }
    if (help) {
      std::cout << main_help();
      return kExitOk;
    }
    if (i == args.size()) {
      throw UsageError("missing COMMAND (emit, listen, stranded, resolve or emulator)");
    }
  } catch (...) {
    return report_current_exception("");
  }

  const std::string& command = args[i];
  const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                      args.end());
  if (command == "emit") return run_emit(rest, global);
  if (command == "listen") return run_listen(rest, global);
  if (command == "stranded") return run_stranded(rest, global);
  if (command == "resolve") return run_resolve(rest, global);
#ifdef BUILDABLE_CLI_HAS_EMULATOR
  if (command == "emulator") return run_emulator(rest);
#endif
  if (command == "help") {  // `buildable help [COMMAND]`
    const std::string topic = rest.empty() ? "" : rest.front();
    if (topic == "emit") return run_emit({"--help"}, global);
    if (topic == "listen") return run_listen({"--help"}, global);
    if (topic == "stranded") return run_stranded({"--help"}, global);
    if (topic == "resolve") return run_resolve({"--help"}, global);
#ifdef BUILDABLE_CLI_HAS_EMULATOR
    if (topic == "emulator") return run_emulator({"--help"});
#endif
    if (!topic.empty()) {
      try {
        throw UsageError("unknown help topic '" + topic + "' (a command name)");
      } catch (...) {
        return report_current_exception("");
      }
    }
    std::cout << main_help();
    return kExitOk;
  }
  try {
    throw UsageError("unknown command '" + command + "'");
  } catch (...) {
    return report_current_exception("");
  }
}

}  // namespace
}  // namespace buildable::cli

int main(int argc, char** argv) {
  return buildable::cli::run(std::vector<std::string>(argv + 1, argv + argc));
}
