#pragma once
// Shared pieces of the listening tests: an emulator per test, a client factory, and
// condition-based waiting (no fixed sleeps).

#include <gtest/gtest.h>

#include <buildable/buildable.hpp>
#include <buildable/emulator/emulator.hpp>
#include <chrono>
#include <condition_variable>
#include <gate.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace listen_test {

using namespace std::chrono_literals;

/// Thread-safe tally of handled message keys, with waiting for a total.
class Tally {
 public:
  void add(const std::string& key) {
    std::lock_guard lock(mutex_);
    ++counts_[key];
    ++total_;
    changed_.notify_all();  // under the lock: see Gate::open()
  }
  /// Waits until at least `n` calls were counted; false on timeout.
  bool wait_for_total(std::size_t n, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return total_ >= n; });
  }
  std::size_t total() const {
    std::lock_guard lock(mutex_);
    return total_;
  }
  std::map<std::string, int> counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, int> counts_;
  std::size_t total_ = 0;
};

/// Collects on_error reports.
class ErrorLog {
 public:
  buildable::ErrorHandler handler() {
    return [this](const buildable::ListenerError& e) {
      std::lock_guard lock(mutex_);
      errors_.push_back(e);
      changed_.notify_all();  // under the lock: see Gate::open()
    };
  }
  bool wait_for_kind(buildable::ListenerError::Kind kind, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& e : errors_)
        if (e.kind == kind) return true;
      return false;
    });
  }
  std::vector<buildable::ListenerError> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<buildable::ListenerError> errors_;
};

using Gate = buildable::testing::Gate;

/// Requests the emulator has received for `path` so far.
inline std::uint64_t requests_to(const buildable::emulator::Emulator& emulator,
                                 const std::string& path) {
  const auto stats = emulator.stats();
  const auto found = stats.requests_by_path.find(path);
  return found == stats.requests_by_path.end() ? 0 : found->second;
}

class ListenTest : public ::testing::Test {
 protected:
  void SetUp() override { emulator_.start(); }

  buildable::ClientOptions options() {
    buildable::ClientOptions o;
    o.secret = emulator_.default_secret();
    o.base_url = emulator_.base_url();
    o.poll_interval = 50ms;
    o.on_error = errors_.handler();
    return o;
  }

  /// Emits `n` messages of `event` with payload {"i": index}; returns their keys in order.
  std::vector<std::string> emit_many(buildable::Client& client, const std::string& event, int n) {
    std::vector<std::future<buildable::EmitResult>> pending;
    pending.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      pending.push_back(client.emit_async(event, {{"i", i}}));
    std::vector<std::string> keys;
    for (auto& f : pending)
      keys.push_back(f.get().key);
    return keys;
  }

  static std::chrono::system_clock::time_point long_ago() {
    return std::chrono::system_clock::now() - std::chrono::hours(1);
  }

  buildable::emulator::Emulator emulator_;
  ErrorLog errors_;
};

}  // namespace listen_test
