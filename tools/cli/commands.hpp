// The subcommands of the buildable tool. Each returns the process exit code (exit_codes.hpp)
// and reports its own errors on stderr.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace buildable::cli {

/// `buildable emit EVENT [JSON|-]` (emit_command.cpp).
int run_emit(const std::vector<std::string>& args, GlobalOptions global);
std::string emit_help();

/// `buildable listen EVENT [...]` (listen_command.cpp).
int run_listen(const std::vector<std::string>& args, GlobalOptions global);
std::string listen_help();

/// `buildable stranded EVENT [...]` (stranded_command.cpp).
int run_stranded(const std::vector<std::string>& args, GlobalOptions global);
std::string stranded_help();

/// `buildable resolve EVENT (KEY... | --all) (--finished | --failed | --reprint)`
/// (resolve_command.cpp).
int run_resolve(const std::vector<std::string>& args, GlobalOptions global);
std::string resolve_help();

/// `buildable emulator [...]` (emulator_command.cpp). Built only when the emulator library
/// is available (BUILDABLE_CLI_HAS_EMULATOR).
int run_emulator(const std::vector<std::string>& args);
std::string emulator_help();

}  // namespace buildable::cli
