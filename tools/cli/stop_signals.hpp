// SIGINT/SIGTERM handling for the long-running subcommands: the signals are blocked (in this
// thread and every thread started afterwards, which inherit the mask) and received
// synchronously with sigwait(), so no code runs in signal-handler context.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace buildable::cli {

class StopSignals {
 public:
  /// Blocks SIGINT and SIGTERM in the calling thread. Construct it before any other thread
  /// (the Client's, the emulator's) so that those threads inherit the mask.
  StopSignals();
  /// Stops the watcher thread, if any. The signals stay blocked: the process is about to exit.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// Blocks the calling thread until SIGINT or SIGTERM arrives; returns the signal number.
  int wait();

  /// Starts a thread that calls `on_stop(signal)` on the first SIGINT/SIGTERM. A second one
  /// ends the process at once with exit status 130 (the "press Ctrl-C again" escape when a
  /// graceful shutdown takes too long).
  void watch(std::function<void(int)> on_stop);

 private:
  std::thread watcher_;
  std::atomic<bool> closing_{false};
};

}  // namespace buildable::cli
