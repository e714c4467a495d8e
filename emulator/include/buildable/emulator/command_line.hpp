// The command line of the buildable-emulator binary, for programs that run the emulator behind
// the same flags (the `buildable emulator` subcommand of the command-line tool).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator {

/// Parses buildable-emulator's flags (the arguments after the program or subcommand name) into
/// options. `--flag value` and `--flag=value` both work; `--help`/`-h` sets `help`. The keys of
/// the environment variable `BUILDABLE_EMULATOR_SECRETS` (entries `NAME=KEY[:live|:test]`
/// separated by newlines or commas) come after those of `--secret` and `--secret-file`; a
/// warning (a secret file that group or others can read) is written to standard error.
///
/// @par Error Handling
/// Throws std::invalid_argument with a message naming the bad argument (never a secret), also
/// for `--drain-delay`, which only the buildable-emulator program has.
EmulatorOptions parse_command_line(const std::vector<std::string>& args, bool& help);

/// What a front end prints once `emulator` has started: `<program> listening on
/// http://<bound address>:<port>` (the address actually bound), a warning and the local URL when
/// that address is not loopback-only, the dashboard's URL (Emulator::dashboard_url(): issues
/// the one-time login link on a loopback bind), the storage, the secret keys, the fault
/// settings (when any), a `try: curl ...` emit, and the two `export BLD_EVENTS_BASE_URL=...` /
/// `export BUILDABLE_SECRET_KEY=...` lines; one line each. buildable-emulator and
/// `buildable emulator` both print it, so they print the same lines.
std::string startup_banner(const std::string& program, Emulator& emulator,
                           const EmulatorOptions& options);

/// Every connection takes a file descriptor: raises the process's soft limit of open files to
/// the hard one, and writes a warning to `warnings` when even that is below `max_connections`
/// plus a reserve for the database and the listening socket.
void fit_open_files_limit(int max_connections, std::ostream& warnings);

/// The text of `buildable-emulator --help`; its flag list starts at the line `Options:`.
std::string command_line_usage();

}  // namespace buildable::emulator
