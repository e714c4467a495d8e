// buildable: the command-line tool of the Buildable Events C++ SDK.
#include <fcntl.h>
#include <unistd.h>

#include <buildable/version.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
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

/// A standard descriptor that is closed (`>&-`) would be the next one open() or pipe() hands
/// out, and libcurl's internal socketpair or listen's self-pipe would become "standard
/// output". Each closed one gets /dev/null: fd 0 and fd 2 as usual, fd 1 opened read-only so
/// that every write to standard output fails (EBADF) and the commands report it instead of
/// discarding their output (tools/README.md, "Pipes and closed descriptors").
void occupy_closed_standard_descriptors() {
  for (const int fd : {0, 1, 2}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int opened = ::open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY);
    if (opened < 0) std::_Exit(kExitFailure);  // nothing safe to write to, nor to run with
    if (opened != fd) {
      // The lower ones are open already, so open() returns `fd` itself; be safe anyway.
      if (::dup2(opened, fd) < 0) std::_Exit(kExitFailure);
      ::close(opened);
    }
  }
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
  buildable::cli::occupy_closed_standard_descriptors();
  // A reader that goes away (`| head -1`) must not kill any command: writes to standard
  // output fail with EPIPE instead, and each command says what that means for it.
  std::signal(SIGPIPE, SIG_IGN);
  return buildable::cli::run(std::vector<std::string>(argv + 1, argv + argc));
}
