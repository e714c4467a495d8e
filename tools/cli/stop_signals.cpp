#include "stop_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <utility>

#include "exit_codes.hpp"

namespace buildable::cli {
namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

StopSignals::StopSignals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
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
  const sigset_t set = stop_set();
  int signal_number = 0;
  sigwait(&set, &signal_number);
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
