// buildable emulator [...]: runs the local emulator in the foreground until SIGINT/SIGTERM.
// Its flags are buildable-emulator's own (parsed by the emulator library).
#include <buildable/emulator/command_line.hpp>
#include <buildable/emulator/emulator.hpp>
#include <csignal>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "errors.hpp"
#include "exit_codes.hpp"
#include "stop_signals.hpp"

namespace buildable::cli {
namespace {

/// The emulator library's errors may start with its name ("buildable emulator: cannot listen
/// on ..."), which is this command's prefix already.
std::string without_library_prefix(std::string what) {
  const std::string library = "buildable emulator: ";
  if (what.rfind(library, 0) == 0) what.erase(0, library.size());
  return what;
}

}  // namespace

std::string emulator_help() {
  std::string flags = emulator::command_line_usage();
  if (const auto at = flags.find("Options:"); at != std::string::npos) flags.erase(0, at);
  return "Usage: buildable emulator [OPTIONS]\n\n"
         "Runs a local emulator of the Buildable Events service in the foreground until\n"
         "SIGINT or SIGTERM (then exits 0). Prints its base URL and secret keys, and the\n"
         "two export lines that point this tool and the SDK at it. Same flags as the\n"
         "buildable-emulator program; here --secret is NAME=KEY, not a client secret.\n\n" +
         flags + "\n" + exit_codes_help();
}

int run_emulator(const std::vector<std::string>& args) {
  emulator::EmulatorOptions options;
  try {
    bool help = false;
    try {
      options = emulator::parse_command_line(args, help);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (help) {
      std::cout << emulator_help();
      return kExitOk;
    }
  } catch (...) {
    return report_current_exception("emulator");
  }

  StopSignals signals;  // before the emulator's threads, which inherit the mask
  emulator::fit_open_files_limit(options.max_connections, std::cerr);
  try {
    emulator::Emulator server(options);
    server.start();
    // The same banner as buildable-emulator's, export lines included.
    std::cout << emulator::startup_banner("buildable emulator", server, options) << std::flush;
    const int signal_number = signals.wait();
    std::cout << "buildable emulator: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << ", stopping\n"
              << std::flush;
    server.stop();
    return kExitOk;
  } catch (const std::invalid_argument& e) {
    write_diagnostic("buildable emulator: " + without_library_prefix(e.what()));
    return kExitUsage;
  } catch (const std::exception& e) {
    write_diagnostic("buildable emulator: " + without_library_prefix(e.what()));
    return kExitFailure;
  } catch (...) {
    return report_current_exception("emulator");
  }
}

}  // namespace buildable::cli
