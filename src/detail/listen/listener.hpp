#pragma once

#include <atomic>
#include <buildable/handler.hpp>
#include <buildable/listen_options.hpp>
#include <buildable/message.hpp>
#include <buildable/subscription.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

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

  /// Set once by off()/close(); read by every thread.
  std::atomic<bool> removed{false};

  // Guarded by the HandlerPool's mutex.
  std::deque<Message> queue;  ///< claimed, waiting for a handler thread
  int running = 0;            ///< handler calls in progress
  bool in_ready_list = false;

  // Owned by the I/O thread (the Poller).
  int backlog = 0;       ///< claimed and not yet recorded or abandoned
  bool polling = false;  ///< a query or the claims of its page are in flight
  bool waiting_for_budget = false;
  int failures = 0;  ///< consecutive failed polls
  std::uint64_t schedule_generation = 0;
};

using ListenerPtr = std::shared_ptr<Listener>;

}  // namespace buildable::detail
