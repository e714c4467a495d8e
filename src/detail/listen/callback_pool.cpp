#include "detail/listen/callback_pool.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "detail/listen/report_queue.hpp"
#include "detail/support/thread_name.hpp"

namespace buildable::detail {
namespace {

constexpr std::size_t kNoSlot = std::numeric_limits<std::size_t>::max();

/// What the current thread is doing for which pool: lets a callback that re-enters the
/// client be recognised (off() from a handler, close() from on_error, ...).
struct CurrentCall {
  const void* pool = nullptr;
  std::size_t slot = kNoSlot;
  bool in_callback = false;
  const Listener* listener = nullptr;
  const Message* message = nullptr;
};
thread_local CurrentCall current;

HandlerOutcome run_handler(const Listener& listener, const Message& message) {
  HandlerOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  try {
    outcome.output = listener.handler(message);
  } catch (const std::exception& e) {
    outcome.failed = true;
    outcome.output = std::string(e.what());
  } catch (...) {
    outcome.failed = true;
    outcome.output = "the handler threw a non-standard exception";
  }
  outcome.elapsed = std::chrono::steady_clock::now() - started;
  return outcome;
}

/// Sets `current` for the duration of one user callback and restores it afterwards, so a
/// callback nested in another (a report delivered by close() called from a handler) leaves
/// the outer one's state intact.
class CallbackScope {
 public:
  CallbackScope(const void* pool, const Listener* listener, const Message* message)
      : saved_(current) {
    current.pool = pool;
    current.in_callback = true;
    current.listener = listener;
    current.message = message;
  }
  ~CallbackScope() { current = saved_; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

 private:
  CurrentCall saved_;
};

}  // namespace

struct CallbackPool::Slot {
  std::thread::id id;
  const Listener* handler_of = nullptr;   ///< listener whose handler runs on this thread
  const Listener* waiting_for = nullptr;  ///< listener this thread waits on in remove()
};

// Shared with the worker threads, so a thread that cannot be joined (the client was closed
// from inside one of its callbacks) can still finish safely after the pool is gone.
struct CallbackPool::State {
  State(int thread_total, std::size_t max_reports, Callbacks cb)
      : thread_count(thread_total),
        callbacks(std::move(cb)),
        reports(max_reports),
        slots(static_cast<std::size_t>(thread_total)) {}

  int thread_count;
  Callbacks callbacks;

  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable changed;  ///< a handler call ended, or closing began
  std::deque<ListenerPtr> ready;    ///< listeners with queued messages and a free slot
  std::map<const Listener*, ListenerPtr> queued;  ///< listeners whose queue is not empty
  std::size_t queued_total = 0;
  ReportQueue reports;
  std::deque<std::pair<LogLevel, std::string>> lines;  ///< for callbacks.log, bounded
  std::size_t lines_dropped = 0;  ///< since the last line that announced the count
  bool report_running = false;    ///< a report or a line is being delivered
  bool reports_turn = false;      ///< the next free thread prefers a report over a handler
  std::vector<std::thread> threads;
  std::vector<Slot> slots;
  int handlers_running = 0;
  bool draining = false;   ///< no message accepted any more
  bool stopping = false;   ///< threads exit
  bool finished = false;   ///< reports are dropped
  std::thread::id closer;  ///< pool thread that is closing the client, if any

  bool can_start(const Listener& listener) const {
    return !listener.removed && !listener.queue.empty() &&
           listener.running < listener.max_concurrency;
  }
  bool report_waiting() const { return (!reports.empty() || !lines.empty()) && !report_running; }
  bool has_work() const { return !ready.empty() || report_waiting(); }
  std::vector<Message> take_queue(Listener& listener) {
    std::vector<Message> taken(std::make_move_iterator(listener.queue.begin()),
                               std::make_move_iterator(listener.queue.end()));
    listener.queue.clear();
    queued_total -= taken.size();
    queued.erase(&listener);
    return taken;
  }
  void mark_ready(const ListenerPtr& listener) {
    if (!listener->in_ready_list && can_start(*listener)) {
      listener->in_ready_list = true;
      ready.push_back(listener);
      work_ready.notify_one();
    }
  }
  Slot* slot_of_caller() {
    if (current.pool != this || current.slot == kNoSlot) return nullptr;
    return &slots[current.slot];
  }
  /// Whether the thread in `from` waits, directly or through other waiters, for `target`.
  bool waits_for(const Slot& from, const Slot* target, std::size_t depth) const {
    if (from.waiting_for == nullptr || depth > slots.size()) return false;
    for (const Slot& s : slots) {
      if (s.handler_of != from.waiting_for) continue;
      if (&s == target || waits_for(s, target, depth + 1)) return true;
    }
    return false;
  }
  /// Whether a caller in slot `me` (null: not a pool thread) must keep waiting for
  /// `listener`'s handler calls; see the class comment for the ones it does not wait for.
  bool must_wait(const Listener& listener, const Slot* me) const {
    for (const Slot& s : slots) {
      if (s.handler_of != &listener || &s == me) continue;
      if (me != nullptr && (s.id == closer || waits_for(s, me, 0))) continue;
      return true;
    }
    return false;
  }
  bool wait_drained(std::unique_lock<std::mutex>& lock, Listener& listener) {
    Slot* me = slot_of_caller();
    if (me != nullptr) me->waiting_for = &listener;
    changed.wait(lock, [&] { return !must_wait(listener, me); });
    if (me != nullptr) me->waiting_for = nullptr;
    if (listener.running == 0) listener.drained = true;
    return listener.drained;
  }
  /// Creates the threads not created yet (none once all exist, or once stopping). Throws
  /// std::system_error when the system refuses one: the ones created run, and the next call
  /// tries the rest again.
  void start_locked(const std::shared_ptr<State>& self) {
    if (stopping) return;
    for (auto i = threads.size(); i < static_cast<std::size_t>(thread_count); ++i) {
      threads.emplace_back([self, i] { work(self, i); });
      name_thread(threads.back(), "buildable-hdl");
      slots[i].id = threads.back().get_id();
    }
  }
  /// start_locked() where work is queued from any thread (the I/O thread included): the work
  /// waits for the threads that exist, or for a later call that creates them.
  void start_if_possible_locked(const std::shared_ptr<State>& self) noexcept {
    try {
      start_locked(self);
    } catch (...) {
      // Out of threads for now: retried with the next message, report or line.
    }
  }
  /// The next report or line to deliver, reports first (they carry what may need action).
  /// Must be called with a report waiting, under the lock.
  std::function<void()> take_report() {
    if (!reports.empty()) {
      return [this, error = reports.pop()] { deliver(error); };
    }
    std::vector<std::pair<LogLevel, std::string>> batch;
    if (lines_dropped > 0) {
      batch.emplace_back(LogLevel::warning, std::to_string(lines_dropped) +
                                                " diagnostic lines were dropped: the logger "
                                                "did not keep up with them");
      lines_dropped = 0;
    }
    batch.push_back(std::move(lines.front()));
    lines.pop_front();
    return [this, batch = std::move(batch)] {
      for (const auto& [level, line] : batch)
        deliver_line(level, line);
    };
  }
  void deliver(const ListenerError& error) {
    CallbackScope scope(this, nullptr, nullptr);
    try {
      callbacks.deliver(error);
    } catch (...) {
      // The reporter never throws; a throwing user callback is its own problem.
    }
  }
  void deliver_line(LogLevel level, const std::string& line) {
    CallbackScope scope(this, nullptr, nullptr);
    try {
      if (callbacks.log) callbacks.log(level, line);
    } catch (...) {
      // The logger wrapper never throws.
    }
  }
};

CallbackPool::CallbackPool(int threads, std::size_t max_queued_reports, Callbacks callbacks)
    : state_(std::make_shared<State>(threads, max_queued_reports, std::move(callbacks))) {}

CallbackPool::~CallbackPool() {
  drain(std::chrono::steady_clock::now());
  finish();
}

void CallbackPool::start() {
  std::lock_guard lock(state_->mutex);
  state_->start_locked(state_);
}

void CallbackPool::enqueue(const ListenerPtr& listener, Message message) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->draining && !listener->removed) {
      state_->start_if_possible_locked(state_);
      listener->queue.push_back(std::move(message));
      ++state_->queued_total;
      state_->queued.emplace(listener.get(), listener);
      state_->mark_ready(listener);
      return;
    }
  }
  std::vector<Message> abandoned;
  abandoned.push_back(std::move(message));
  state_->callbacks.abandoned(listener, std::move(abandoned));
}

void CallbackPool::report(ListenerError error) noexcept {
  bool dropped = true;
  try {
    std::lock_guard lock(state_->mutex);
    if (!state_->finished) {
      state_->start_if_possible_locked(state_);
      const auto outcome = state_->reports.push(std::move(error));
      dropped = outcome != ReportQueue::Outcome::queued;
      if (!dropped) state_->work_ready.notify_one();
    }
  } catch (...) {
    // Out of memory: the report is lost, and counted below.
  }
  if (dropped && state_->callbacks.dropped) state_->callbacks.dropped();
}

void CallbackPool::log(LogLevel level, std::string line) noexcept {
  try {
    std::lock_guard lock(state_->mutex);
    if (state_->finished) return;
    if (state_->lines.size() >= kMaxQueuedLines) {
      ++state_->lines_dropped;
      return;
    }
    state_->start_if_possible_locked(state_);
    state_->lines.emplace_back(level, std::move(line));
    state_->work_ready.notify_one();
  } catch (...) {
    // Out of memory: the line is lost.
  }
}

bool CallbackPool::remove(const ListenerPtr& listener) {
  std::vector<Message> abandoned;
  bool drained = false;
  {
    std::unique_lock lock(state_->mutex);
    listener->removed = true;
    if (!listener->queue.empty()) abandoned = state_->take_queue(*listener);
    drained = state_->wait_drained(lock, *listener);
  }
  if (!abandoned.empty()) state_->callbacks.abandoned(listener, std::move(abandoned));
  return drained;
}

void CallbackPool::wait_drained(const ListenerPtr& listener) {
  std::unique_lock lock(state_->mutex);
  state_->wait_drained(lock, *listener);
}

void CallbackPool::drain(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::pair<ListenerPtr, std::vector<Message>>> abandoned;
  {
    std::unique_lock lock(state_->mutex);
    if (state_->draining) return;
    state_->draining = true;
    const Slot* me = state_->slot_of_caller();
    if (me != nullptr) state_->closer = me->id;
    state_->changed.notify_all();  // waiters in remove() stop waiting for the closer
    const int own = me != nullptr && me->handler_of != nullptr ? 1 : 0;
    // Threads that exist: creating some may have failed.
    const bool others_can_run = state_->threads.size() > (me != nullptr ? 1u : 0u);
    state_->changed.wait_until(lock, deadline, [&] {
      return (state_->queued_total == 0 || !others_can_run) && state_->handlers_running <= own;
    });
    while (!state_->queued.empty()) {
      ListenerPtr listener = state_->queued.begin()->second;
      abandoned.emplace_back(listener, state_->take_queue(*listener));
    }
    for (auto& listener : state_->ready)
      listener->in_ready_list = false;
    state_->ready.clear();
    // Running handlers cannot be interrupted: wait for them.
    state_->changed.wait(lock, [&] { return state_->handlers_running <= own; });
  }
  for (auto& [listener, messages] : abandoned)
    state_->callbacks.abandoned(listener, std::move(messages));
}

void CallbackPool::finish() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) return;
    state_->stopping = true;
    state_->work_ready.notify_all();
    threads.swap(state_->threads);
  }
  for (auto& thread : threads) {
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();  // closing from inside a callback: this thread ends on its own
    } else {
      thread.join();
    }
  }
  // No other pool thread runs now: deliver what is left here, one report at a time.
  for (;;) {
    std::function<void()> delivery;
    {
      std::lock_guard lock(state_->mutex);
      if (state_->reports.empty() && state_->lines.empty()) {
        state_->finished = true;
        return;
      }
      delivery = state_->take_report();
    }
    delivery();
  }
}

void CallbackPool::wait_idle() {
  std::unique_lock lock(state_->mutex);
  state_->changed.wait(lock,
                       [&] { return state_->handlers_running == 0 && !state_->report_running; });
}

bool CallbackPool::in_callback() const noexcept {
  return current.pool == state_.get() && current.in_callback;
}

const Message* CallbackPool::current_message() const noexcept {
  return current.pool == state_.get() ? current.message : nullptr;
}

const Listener* CallbackPool::current_listener() const noexcept {
  return current.pool == state_.get() ? current.listener : nullptr;
}

void CallbackPool::work(const std::shared_ptr<State>& state, std::size_t index) {
  current.pool = state.get();
  current.slot = index;
  std::unique_lock lock(state->mutex);
  Slot& slot = state->slots[index];
  for (;;) {
    state->work_ready.wait(lock, [&] { return state->stopping || state->has_work(); });
    if (state->stopping) return;
    if (state->report_waiting() && (state->ready.empty() || state->reports_turn)) {
      std::function<void()> delivery = state->take_report();
      state->report_running = true;
      state->reports_turn = false;
      lock.unlock();
      delivery();
      lock.lock();
      state->report_running = false;
      state->work_ready.notify_one();  // the next report may go now
      state->changed.notify_all();
      continue;
    }
    if (state->ready.empty()) continue;
    ListenerPtr listener = std::move(state->ready.front());
    state->ready.pop_front();
    listener->in_ready_list = false;
    if (!state->can_start(*listener)) continue;
    Message message = std::move(listener->queue.front());
    listener->queue.pop_front();
    --state->queued_total;
    if (listener->queue.empty()) state->queued.erase(listener.get());
    ++listener->running;
    ++state->handlers_running;
    slot.handler_of = listener.get();
    state->reports_turn = true;
    state->mark_ready(listener);  // another slot may be free under max_concurrency
    lock.unlock();

    HandlerOutcome outcome;
    {
      CallbackScope scope(state.get(), listener.get(), &message);
      outcome = run_handler(*listener, message);
    }
    lock.lock();
    // Finished while the handler still ran means the client was closed from inside this very
    // handler: the client may be gone already, so its result is not recorded (close()
    // reported the message) and this detached thread touches nothing but `state`.
    const bool record = !state->finished;
    lock.unlock();
    if (record) {
      try {
        state->callbacks.handled(listener, message, std::move(outcome));
      } catch (...) {
        // Recording reports its own failures.
      }
    }
    lock.lock();
    --listener->running;
    --state->handlers_running;
    slot.handler_of = nullptr;
    if (listener->removed && listener->running == 0) listener->drained = true;
    state->mark_ready(listener);
    state->changed.notify_all();
  }
}

}  // namespace buildable::detail
