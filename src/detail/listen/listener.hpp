#pragma once

#include <atomic>
#include <buildable/handler.hpp>
#include <buildable/listen_options.hpp>
#include <buildable/message.hpp>
#include <buildable/subscription.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "detail/listen/listener_health.hpp"
#include "detail/protocol/listen_requests.hpp"

namespace buildable::detail {

/// A registered listener: what the user asked for, plus the state the poller and the
/// handler pool keep about it. Each group of fields has one owner, noted below.
struct Listener {
  // Immutable after registration.
  Subscription subscription;
  std::string identity;
  Handler handler;
  QuerySpec query;
  int max_concurrency = 1;
  /// Shared with every Subscription handle of this listener.
  std::shared_ptr<ListenerHealth> health = std::make_shared<ListenerHealth>();

  /// Set once by off()/close(); read by every thread.
  std::atomic<bool> removed{false};

  // Guarded by the CallbackPool's mutex.
  std::deque<Message> queue;  ///< claimed, waiting for a handler thread
  int running = 0;            ///< handler calls in progress
  bool in_ready_list = false;
  std::atomic<bool> drained{false};  ///< removed, and no handler call runs or will run

  // Owned by the I/O thread (the Poller).
  int backlog = 0;       ///< claimed and not yet recorded or abandoned
  bool polling = false;  ///< a query or the claims of its page are in flight
  std::chrono::steady_clock::time_point poll_started{};  ///< when the latest poll was sent
  bool waiting_for_room = false;
  int failures = 0;           ///< consecutive failed polls or pages with failed claims
  long permanent_status = 0;  ///< 401/403 of the current failure streak, once reported
  std::uint64_t schedule_generation = 0;
};

using ListenerPtr = std::shared_ptr<Listener>;

}  // namespace buildable::detail
