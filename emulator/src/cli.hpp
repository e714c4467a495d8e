// Command line of the buildable-emulator binary.
#pragma once

#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

struct CommandLine {
  EmulatorOptions options;
  bool help = false;
  bool migrate_only = false;  ///< apply the store's schema migrations, then exit
};

/// Parses the arguments (without the program name). `--flag value` and `--flag=value` both
/// work. Throws std::invalid_argument with a message naming the bad argument.
CommandLine parse_command_line(const std::vector<std::string>& args);

/// The --help text.
std::string usage();

}  // namespace buildable::emulator::detail
