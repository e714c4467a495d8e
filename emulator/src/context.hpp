// What the HTTP handlers share: keys, storage, fault injector, counters, and the shutdown
// signal that cuts injected delays short.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "auth.hpp"
#include "faults.hpp"
#include "protocol.hpp"
#include "stats.hpp"
#include "store.hpp"

namespace buildable::emulator::detail {

/// A flag that sleepers can wait on.
class ShutdownSignal {
 public:
  void trigger() {
    {
      std::lock_guard lock(mutex_);
      triggered_ = true;
    }
    cv_.notify_all();
  }
  void reset() {
    std::lock_guard lock(mutex_);
    triggered_ = false;
  }
  /// Sleeps for `duration` or until triggered; false when triggered.
  bool sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, duration, [&] { return triggered_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool triggered_ = false;
};

struct ServerContext {
  ServerContext(KeyRing& k, Store& s, FaultInjector& f, StatsCollector& st)
      : keys(k), store(s), protocol(s), faults(f), stats(st) {}
  KeyRing& keys;
  Store& store;
  Protocol protocol;
  FaultInjector& faults;
  StatsCollector& stats;
  std::atomic<int> port{0};  ///< our bound port
  /// The listening socket, captured when httplib creates it (see configure_server).
  std::atomic<int> listen_socket{-1};
  ShutdownSignal shutdown;
};

}  // namespace buildable::emulator::detail
