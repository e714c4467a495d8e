#pragma once
// A one-shot latch a test opens from one thread and waits for on another.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace buildable::testing {

class Gate {
 public:
  /// Notifies under the lock, so that a waiter that then destroys the Gate (a handler's caller
  /// that does not wait for the handler) cannot do so while this is still inside it.
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  /// True once open; false when `timeout` passed first.
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return open_; });
  }
  bool is_open() const {
    std::lock_guard lock(mutex_);
    return open_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

}  // namespace buildable::testing
