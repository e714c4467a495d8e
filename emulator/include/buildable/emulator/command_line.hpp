// The command line of the buildable-emulator binary, for programs that run the emulator behind
// the same flags (the `buildable emulator` subcommand of the command-line tool).
#pragma once

#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator {

/// Parses buildable-emulator's flags (the arguments after the program or subcommand name) into
/// options. `--flag value` and `--flag=value` both work; `--help`/`-h` sets `help`.
///
/// @par Error Handling
/// Throws std::invalid_argument with a message naming the bad argument.
EmulatorOptions parse_command_line(const std::vector<std::string>& args, bool& help);

/// The text of `buildable-emulator --help`; its flag list starts at the line `Options:`.
std::string command_line_usage();

}  // namespace buildable::emulator
