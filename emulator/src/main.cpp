// buildable-emulator: runs the emulator until SIGINT or SIGTERM.
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

#include "buildable/emulator/command_line.hpp"
#include "buildable/emulator/emulator.hpp"
#include "cli.hpp"
#include "secret_sources.hpp"
#include "store/store.hpp"

int main(int argc, char** argv) {
  namespace emu = buildable::emulator;
  emu::detail::CommandLine command_line;
  try {
    command_line = emu::detail::parse_command_line(std::vector<std::string>(argv + 1, argv + argc),
                                                   std::getenv(emu::detail::kSecretsVariable));
  } catch (const std::exception& e) {
    std::cerr << "buildable-emulator: " << e.what() << "\n";
    return 2;
  }
  for (const auto& warning : command_line.warnings)
    std::cerr << "buildable-emulator: warning: " << warning << "\n";
  if (command_line.help) {
    std::cout << emu::detail::usage();
    return 0;
  }

  if (command_line.migrate_only) {
    try {
      for (const auto& step : emu::detail::migrate_store(command_line.options.db_path))
        std::cout << "applied " << step << "\n";
      std::cout << "buildable-emulator: schema up to date\n";
    } catch (const std::exception& e) {
      std::cerr << "buildable-emulator: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }

  // Block the stop signals in every thread (they inherit the mask) and wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  emu::fit_open_files_limit(command_line.options.max_connections, std::cerr);

  try {
    emu::Emulator emulator(command_line.options);
    emulator.start();
    std::cout << emu::startup_banner("buildable-emulator", emulator, command_line.options)
              << std::flush;

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::cout << "buildable-emulator: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << ", stopping\n"
              << std::flush;
    emulator.begin_drain();  // /readyz answers 503 from now on
    if (const auto delay = command_line.drain_delay; delay.count() > 0) {
      // Still serving while balancers notice /readyz; a second signal cuts the wait short.
      std::cout << "buildable-emulator: draining, serving " << delay.count()
                << " s more before stopping\n"
                << std::flush;
      const auto deadline = std::chrono::steady_clock::now() + delay;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        const timespec timeout{static_cast<time_t>(left.count() / 1'000'000'000),
                               static_cast<long>(left.count() % 1'000'000'000)};
        if (sigtimedwait(&stop_signals, nullptr, &timeout) >= 0 || errno != EINTR) break;
      }
    }
    emulator.stop();  // the requests in flight finish within --drain-timeout
  } catch (const std::exception& e) {
    // The library's errors may name it ("buildable emulator: cannot listen on ..."): one
    // prefix, this program's.
    std::string what = e.what();
    const std::string library = "buildable emulator: ";
    if (what.rfind(library, 0) == 0) what.erase(0, library.size());
    std::cerr << "buildable-emulator: " << what << "\n";
    return 1;
  }
  return 0;
}
