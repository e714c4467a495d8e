#pragma once

#include <buildable/listener_status.hpp>
#include <mutex>
#include <utility>

namespace buildable::detail {

/// One listener's ListenerStatus, written by the poller and the client, read through every
/// Subscription handle of the listener (which share it, so it outlives the client).
class ListenerHealth {
 public:
  ListenerHealth() { status_.state = ListenerStatus::State::active; }

  ListenerStatus get() const {
    std::lock_guard lock(mutex_);
    return status_;
  }
  void succeeded() {
    std::lock_guard lock(mutex_);
    status_.consecutive_failures = 0;
    if (status_.state != ListenerStatus::State::removed)
      status_.state = ListenerStatus::State::active;
  }
  void failed(ListenerError error) {
    std::lock_guard lock(mutex_);
    ++status_.consecutive_failures;
    status_.last_error = std::move(error);
    if (status_.state != ListenerStatus::State::removed) {
      status_.state = ListenerStatus::State::failing;
    }
  }
  void removed() {
    std::lock_guard lock(mutex_);
    status_.state = ListenerStatus::State::removed;
  }

 private:
  mutable std::mutex mutex_;
  ListenerStatus status_;
};

}  // namespace buildable::detail
