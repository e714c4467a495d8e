// SIGINT/SIGTERM (and for listen SIGHUP) handling for the long-running subcommands: the
// signals are blocked (in this
// thread and every thread started afterwards, which inherit the mask) and received
// synchronously with sigwait(), so no code runs in signal-handler context.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace buildable::cli {

class StopSignals {
 public:
  /// Blocks SIGINT and SIGTERM, and SIGHUP when `hangup` (a closed terminal, `kill -HUP`),
  /// in the calling thread. Construct it before any other thread (the Client's, the
  /// emulator's) so that those threads inherit the mask.
  explicit StopSignals(bool hangup = false);
  /// Stops the watcher thread, if any. The signals stay blocked: the process is about to exit.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// Blocks the calling thread until one of the signals arrives; returns the signal number.
  int wait();

  /// Starts a thread that calls `on_stop(signal)` on the first of the signals. A second one
  /// ends the process at once with exit status 130 (the "press Ctrl-C again" escape when a
  /// graceful shutdown takes too long).
  void watch(std::function<void(int)> on_stop);

 private:
  sigset_t set_{};
  std::thread watcher_;
  std::atomic<bool> closing_{false};
};

}  // namespace buildable::cli
