// Command line of the buildable-emulator binary.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

struct CommandLine {
  EmulatorOptions options;
  bool help = false;
  bool migrate_only = false;  ///< apply the store's schema migrations, then exit
  /// buildable-emulator: after the stop signal, keep serving this long with /readyz answering
  /// 503 before stopping (a second signal ends it early).
  std::chrono::seconds drain_delay{0};
  /// Worth telling on standard error, e.g. a secret file that others can read.
  std::vector<std::string> warnings;
};

/// Parses the arguments (without the program name). `--flag value` and `--flag=value` both
/// work. `secrets_variable`, when not null, is the value of BUILDABLE_EMULATOR_SECRETS: its
/// keys come after those of the arguments. Throws std::invalid_argument with a message naming
/// the bad argument (never a secret).
CommandLine parse_command_line(const std::vector<std::string>& args,
                               const char* secrets_variable = nullptr);

/// The --help text.
std::string usage();

}  // namespace buildable::emulator::detail
