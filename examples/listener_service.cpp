// Listener service: a long-running process that handles `order.placed` messages until it is
// told to stop with SIGINT or SIGTERM, then shuts down gracefully: no new messages are
// claimed, those already claimed are handled and recorded, and the process exits 0.
//
//   listener_service [--exit-after N]
//
// --exit-after N stops on its own after N handled messages (used by the test). Against the
// embedded emulator the example also emits the orders itself (N, or 3 without --exit-after).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <buildable/buildable.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "example_backend.hpp"

namespace {

// What the main thread waits for: a stop signal, or (with --exit-after) enough messages.
struct ServiceState {
  std::mutex mutex;
  std::condition_variable changed;
  int stop_signal = 0;  // SIGINT or SIGTERM once received
  int handled = 0;
  double revenue = 0;
};

// Receives SIGINT/SIGTERM on a dedicated thread with sigwait(): ordinary code, not a signal
// handler, so it may lock a mutex and notify a condition variable. The signals must be blocked
// before any other thread starts (threads inherit the mask), hence block_stop_signals() first
// thing in main().
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

class SignalWatcher {
 public:
  explicit SignalWatcher(ServiceState& state)
      : thread_([this, &state] {
          const sigset_t set = stop_signals();
          int signal_number = 0;
          sigwait(&set, &signal_number);
          if (leaving_) return;  // woken by the destructor, not by a real signal
          std::lock_guard lock(state.mutex);
          state.stop_signal = signal_number;
          state.changed.notify_all();
        }) {}
  ~SignalWatcher() {
    leaving_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);  // ends its sigwait() if still waiting
    thread_.join();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::atomic<bool> leaving_{false};
  std::thread thread_;  // last member: starts after leaving_ is initialised
};

int parse_exit_after(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--exit-after") return std::atoi(argv[i + 1]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int exit_after = parse_exit_after(argc, argv);
  if (exit_after < 0) {
    std::cerr << "usage: listener_service [--exit-after N]\n";
    return 2;
  }
  block_stop_signals();  // before the emulator's and the client's threads exist

  ServiceState state;
  SignalWatcher watcher(state);
  examples::Backend backend;
  buildable::ClientOptions options = backend.options();
  options.poll_interval = std::chrono::milliseconds(200);
  options.shutdown_timeout = std::chrono::seconds(5);  // grace period for claimed messages
  options.on_error = [](const buildable::ListenerError& error) {
    std::cerr << "listener error (" << buildable::to_string(error.kind) << "): " << error.message
              << "\n";
  };
  buildable::Client client(options);

  client.on("order.placed", [&state, exit_after](const buildable::Message& message) {
    const double amount = message.payload.value("amount", 0.0);
    std::lock_guard lock(state.mutex);
    ++state.handled;
    state.revenue += amount;
    std::cout << "order " << message.payload.value("order", std::string("?")) << ": " << amount
              << " (total " << state.revenue << ")" << std::endl;
    if (exit_after > 0 && state.handled >= exit_after) state.changed.notify_all();
    return nlohmann::json{{"accepted", true}};  // recorded as the transaction's output
  });
  std::cout << "listener service ready (pid " << getpid() << "); stop it with SIGINT or SIGTERM"
            << std::endl;

  if (backend.emulator() != nullptr) {
    // Self-contained demo: feed the service some orders (with --exit-after, the N it waits for).
    const int demo_orders = exit_after > 0 ? exit_after : 3;
    for (int i = 1; i <= demo_orders; ++i) {
      client.emit("order.placed", {{"order", "A-" + std::to_string(i)}, {"amount", 10.0 * i}});
    }
  }

  {
    std::unique_lock lock(state.mutex);
    state.changed.wait(lock, [&] {
      return state.stop_signal != 0 || (exit_after > 0 && state.handled >= exit_after);
    });
    if (state.stop_signal != 0) {
      std::cout << "received " << (state.stop_signal == SIGINT ? "SIGINT" : "SIGTERM")
                << ", shutting down" << std::endl;
    }
  }
  client.close();  // stops polling, finishes claimed messages, records results, joins threads

  std::lock_guard lock(state.mutex);
  std::cout << "stopped cleanly after " << state.handled << " messages, revenue " << state.revenue
            << std::endl;
  return 0;
}
