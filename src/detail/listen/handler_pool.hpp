#pragma once

#include <buildable/message.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "detail/listen/listener.hpp"

namespace buildable::detail {

/// How one handler call ended.
struct HandlerOutcome {
  bool failed = false;
  nlohmann::json output;  ///< the return value, or the error text when failed
  std::chrono::steady_clock::duration elapsed{};
};

/// The bounded pool of threads that run user code: handlers, and error callbacks posted as
/// tasks. Per listener, at most max_concurrency calls run at once and queued messages start
/// in arrival order; listeners take turns, so a slow listener holds at most its own
/// max_concurrency threads.
class HandlerPool {
 public:
  /// Called on the handler's thread after each call.
  using HandledCallback = std::function<void(const ListenerPtr&, const Message&, HandlerOutcome)>;
  /// Called with claimed messages that will not be handled (listener removed, client closed).
  using AbandonedCallback = std::function<void(const ListenerPtr&, std::vector<Message>)>;

  HandlerPool(int threads, HandledCallback on_handled, AbandonedCallback on_abandoned);
  ~HandlerPool();
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  /// Queues a claimed message for its listener's handler. Starts the threads on first use.
  /// A message for a removed listener, or arriving after close(), is abandoned.
  void enqueue(const ListenerPtr& listener, Message message);
  /// Runs `task` on a pool thread (used to call user callbacks off the I/O thread).
  void post(std::function<void()> task);

  /// Marks `listener` removed, abandons its queued messages, and waits until none of its
  /// handler calls is running, except the one on the calling thread, if any.
  void remove(const ListenerPtr& listener);

  /// Stops taking work, lets queued messages start until `deadline`, abandons the rest, waits
  /// for running handlers (but not one on the calling thread), and stops the threads.
  /// Idempotent.
  void close(std::chrono::steady_clock::time_point deadline);

  /// True when called from inside a handler of `listener` (on a pool thread).
  static bool running_handler_of(const Listener* listener) noexcept;
  /// True when called on one of this pool's threads.
  bool on_pool_thread() const noexcept;

 private:
  struct State;
  static void work(const std::shared_ptr<State>& state);
  void start_locked();

  std::shared_ptr<State> state_;
};

}  // namespace buildable::detail
