#pragma once

#include <buildable/listener_error.hpp>
#include <buildable/log.hpp>
#include <buildable/message.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "detail/listen/listener.hpp"

namespace buildable::detail {

/// How one handler call ended.
struct HandlerOutcome {
  bool failed = false;
  nlohmann::json output;  ///< the return value, or the error text when failed
  std::chrono::steady_clock::duration elapsed{};
};

/// The bounded pool of threads that runs all user code: handlers, and listener errors for
/// on_error. No SDK lock is held while user code runs, so it may call back into the client.
///
/// Handlers: per listener at most max_concurrency calls at once, queued messages start in
/// arrival order, and listeners take turns, so a slow listener holds at most its own
/// max_concurrency threads. Reports: one at a time (on_error never runs concurrently with
/// itself), from a bounded, coalescing ReportQueue, taking turns with handlers so that neither
/// starves the other.
///
/// Waiting on a listener (remove(), wait_drained()) never deadlocks: the caller waits for
/// that listener's running handler calls except the one on its own thread, one that is
/// itself waiting (directly or through others) for the caller, and, when the caller is a pool
/// thread, one that is closing the client from inside its handler (which waits for the
/// caller).
class CallbackPool {
 public:
  /// Called on the handler's thread after each call, unless the client was closed from
  /// inside that very call.
  using HandledCallback = std::function<void(const ListenerPtr&, const Message&, HandlerOutcome)>;
  /// Called with claimed messages that will not be handled (listener removed, client closed).
  using AbandonedCallback = std::function<void(const ListenerPtr&, std::vector<Message>)>;
  /// Delivers one report to the user (on_error, or a log line).
  using DeliverCallback = std::function<void(const ListenerError&)>;
  /// Told of each report that is merged into another or dropped.
  using DroppedCallback = std::function<void()>;
  /// Delivers one diagnostic line to the user's logger.
  using LogCallback = std::function<void(LogLevel, const std::string&)>;

  struct Callbacks {
    HandledCallback handled;
    AbandonedCallback abandoned;
    DeliverCallback deliver;
    DroppedCallback dropped;
    LogCallback log;
  };

  /// Diagnostic lines (log()) waiting at most; past it they are dropped and counted in a line
  /// delivered once there is room again.
  static constexpr std::size_t kMaxQueuedLines = 4096;

  /// Threads start at start(), or failing that on the first message, report or line.
  CallbackPool(int threads, std::size_t max_queued_reports, Callbacks callbacks);
  ~CallbackPool();
  CallbackPool(const CallbackPool&) = delete;
  CallbackPool& operator=(const CallbackPool&) = delete;

  /// Starts the threads now, on the calling thread; a no-op once started or after finish().
  /// The client calls it before anything can queue work from the I/O thread, so that the
  /// first message does not wait for threads to be created and the I/O thread never creates
  /// them. Throws std::system_error when the system refuses a thread: those created run, and
  /// the next start() (or message, report or line) creates the rest.
  void start();
  /// Queues a claimed message for its listener's handler. A message for a removed listener,
  /// or arriving once the pool is draining, is abandoned.
  void enqueue(const ListenerPtr& listener, Message message);
  /// Queues a report for delivery. Never runs user code on the calling thread.
  void report(ListenerError error) noexcept;
  /// Queues a diagnostic line for the logger, delivered like reports: one call at a time,
  /// taking turns with handlers. Never runs user code on the calling thread.
  void log(LogLevel level, std::string line) noexcept;

  /// Marks `listener` removed, abandons its queued messages and waits as described above.
  /// Returns true when no handler call of it runs any more (it is drained).
  bool remove(const ListenerPtr& listener);
  /// Waits as remove() does for a listener someone else is removing.
  void wait_drained(const ListenerPtr& listener);

  /// Closing, first step: no message is accepted any more; queued ones may start until
  /// `deadline` (unless no other thread can run them), the rest are abandoned; then waits
  /// for every running handler call but the caller's own.
  void drain(std::chrono::steady_clock::time_point deadline);
  /// Closing, last step: stops and joins the threads (a pool thread calling this detaches
  /// itself instead), then delivers the reports still queued on the calling thread. After
  /// it returns no user code runs on the pool, and later reports are dropped. Idempotent.
  void finish();

  /// After finish(): waits until no callback runs any more (the one that closed the client
  /// from inside may still be running when finish() returns).
  void wait_idle();

  /// True on a thread of this pool while it runs a handler or a report.
  bool in_callback() const noexcept;
  /// The message whose handler the calling thread runs for this pool, or null.
  const Message* current_message() const noexcept;
  /// The listener whose handler the calling thread runs for this pool, or null.
  const Listener* current_listener() const noexcept;

 private:
  struct State;
  struct Slot;
  static void work(const std::shared_ptr<State>& state, std::size_t slot);

  std::shared_ptr<State> state_;
};

}  // namespace buildable::detail
