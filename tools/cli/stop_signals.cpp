#include "stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <utility>

#include "exit_codes.hpp"

namespace buildable::cli {
StopSignals::StopSignals(bool hangup) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  if (hangup) sigaddset(&set_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

StopSignals::~StopSignals() {
  if (!watcher_.joinable()) return;
  closing_ = true;
  // The watcher has the signal blocked too, so this one stays pending for it and its
  // sigwait() returns; seeing closing_, it exits.
  pthread_kill(watcher_.native_handle(), SIGTERM);
  watcher_.join();
}

int StopSignals::wait() {
  int signal_number = 0;
  sigwait(&set_, &signal_number);
  return signal_number;
}

void StopSignals::watch(std::function<void(int)> on_stop) {
  watcher_ = std::thread([this, on_stop = std::move(on_stop)] {
    bool stopping = false;
    for (;;) {
      const int signal_number = wait();
      if (closing_) return;
      if (stopping) std::_Exit(kExitInterrupted);  // second signal: give up on grace
      stopping = true;
      on_stop(signal_number);
    }
  });
}

}  // namespace buildable::cli
