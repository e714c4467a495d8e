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
    std::cout << emulator::startup_banner("buildable emulator", server, options)
              << "Point the buildable tool and the SDK at it with:\n"
              << "  export BLD_EVENTS_BASE_URL=" << server.base_url() << "\n"
              << "  export BUILDABLE_SECRET_KEY=" << server.default_secret() << "\n"
              << std::flush;
    const int signal_number = signals.wait();
    std::cout << "buildable emulator: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << ", stopping\n"
              << std::flush;
    server.stop();
    return kExitOk;
  } catch (const std::invalid_argument& e) {
    std::cerr << "buildable emulator: " << e.what() << "\n";
    return kExitUsage;
  } catch (...) {
    return report_current_exception("emulator");
  }
}

}  // namespace buildable::cli
