#pragma once

#include <condition_variable>
#include <mutex>

namespace buildable::detail {

/// The client's one shutdown sequence: open, then closing (exactly one caller runs the
/// shutdown), then closed. Every other close(), the destructor included, waits on the same
/// completion, so none returns before the shutdown it raced with has finished.
class ShutdownState {
 public:
  /// True for the one caller that moves the client from open to closing and must then run
  /// the shutdown and call complete(); false for everyone else.
  bool begin() {
    std::lock_guard lock(mutex_);
    if (phase_ != Phase::open) return false;
    phase_ = Phase::closing;
    return true;
  }
  /// Marks the shutdown done and releases every wait_closed().
  void complete() {
    {
      std::lock_guard lock(mutex_);
      phase_ = Phase::closed;
    }
    closed_.notify_all();
  }
  /// Returns once complete() has been called.
  void wait_closed() {
    std::unique_lock lock(mutex_);
    closed_.wait(lock, [&] { return phase_ == Phase::closed; });
  }
  bool open() const {
    std::lock_guard lock(mutex_);
    return phase_ == Phase::open;
  }

 private:
  enum class Phase { open, closing, closed };
  mutable std::mutex mutex_;
  std::condition_variable closed_;
  Phase phase_ = Phase::open;
};

}  // namespace buildable::detail
