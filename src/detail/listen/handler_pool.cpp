#include "detail/listen/handler_pool.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <utility>

#include "detail/support/thread_name.hpp"

namespace buildable::detail {
namespace {

/// The listener whose handler the current thread is running, for off() from inside it.
thread_local const Listener* current_listener = nullptr;

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

}  // namespace

// Shared with the worker threads, so a thread that cannot be joined (the client was closed
// from inside one of its handlers) can still finish safely after the pool is gone.
struct HandlerPool::State {
  int thread_count = 1;
  HandledCallback on_handled;
  AbandonedCallback on_abandoned;

  std::mutex mutex;
  std::condition_variable work_ready;
  std::condition_variable handler_finished;
  std::deque<ListenerPtr> ready;                  // listeners with queued messages and a free slot
  std::map<const Listener*, ListenerPtr> queued;  // listeners whose queue is not empty
  std::size_t queued_total = 0;
  std::deque<std::function<void()>> tasks;
  std::vector<std::thread> threads;
  std::vector<std::thread::id> thread_ids;
  int running_total = 0;
  bool closing = false;   // no new messages accepted
  bool stopping = false;  // threads exit once tasks are done

  bool can_start(const Listener& listener) const {
    return !listener.removed && !listener.queue.empty() &&
           listener.running < listener.max_concurrency;
  }
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
};

HandlerPool::HandlerPool(int threads, HandledCallback on_handled, AbandonedCallback on_abandoned)
    : state_(std::make_shared<State>()) {
  state_->thread_count = threads;
  state_->on_handled = std::move(on_handled);
  state_->on_abandoned = std::move(on_abandoned);
}

HandlerPool::~HandlerPool() {
  close(std::chrono::steady_clock::now());
}

void HandlerPool::start_locked() {
  if (!state_->threads.empty() || state_->stopping) return;
  for (int i = 0; i < state_->thread_count; ++i) {
    state_->threads.emplace_back([state = state_] { work(state); });
    name_thread(state_->threads.back(), "buildable-hdl");
    state_->thread_ids.push_back(state_->threads.back().get_id());
  }
}

void HandlerPool::enqueue(const ListenerPtr& listener, Message message) {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->closing && !listener->removed) {
      start_locked();
      listener->queue.push_back(std::move(message));
      ++state_->queued_total;
      state_->queued.emplace(listener.get(), listener);
      state_->mark_ready(listener);
      return;
    }
  }
  std::vector<Message> abandoned;
  abandoned.push_back(std::move(message));
  state_->on_abandoned(listener, std::move(abandoned));
}

void HandlerPool::post(std::function<void()> task) {
  std::lock_guard lock(state_->mutex);
  if (state_->stopping) return;
  start_locked();
  state_->tasks.push_back(std::move(task));
  state_->work_ready.notify_one();
}

void HandlerPool::remove(const ListenerPtr& listener) {
  std::vector<Message> abandoned;
  {
    std::unique_lock lock(state_->mutex);
    listener->removed = true;
    abandoned = state_->take_queue(*listener);
    const int own = running_handler_of(listener.get()) ? 1 : 0;
    state_->handler_finished.wait(lock, [&] { return listener->running <= own; });
  }
  if (!abandoned.empty()) state_->on_abandoned(listener, std::move(abandoned));
}

void HandlerPool::close(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::pair<ListenerPtr, std::vector<Message>>> abandoned;
  std::vector<std::thread> threads;
  const int own = current_listener != nullptr && on_pool_thread() ? 1 : 0;
  {
    std::unique_lock lock(state_->mutex);
    state_->closing = true;
    // Let already-claimed messages start until the deadline.
    state_->handler_finished.wait_until(
        lock, deadline, [&] { return state_->queued_total == 0 && state_->running_total <= own; });
    while (!state_->queued.empty()) {
      ListenerPtr listener = state_->queued.begin()->second;
      abandoned.emplace_back(listener, state_->take_queue(*listener));
    }
    for (auto& listener : state_->ready)
      listener->in_ready_list = false;
    state_->ready.clear();
    // Running handlers cannot be interrupted: wait for them.
    state_->handler_finished.wait(lock, [&] { return state_->running_total <= own; });
    state_->stopping = true;
    state_->work_ready.notify_all();
    threads.swap(state_->threads);
  }
  for (auto& [listener, messages] : abandoned)
    state_->on_abandoned(listener, std::move(messages));
  for (auto& thread : threads) {
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();  // closing from inside a handler: this thread ends on its own
    } else {
      thread.join();
    }
  }
}

bool HandlerPool::running_handler_of(const Listener* listener) noexcept {
  return current_listener == listener;
}

bool HandlerPool::on_pool_thread() const noexcept {
  std::lock_guard lock(state_->mutex);
  const auto self = std::this_thread::get_id();
  return std::find(state_->thread_ids.begin(), state_->thread_ids.end(), self) !=
         state_->thread_ids.end();
}

void HandlerPool::work(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    state->work_ready.wait(
        lock, [&] { return state->stopping || !state->tasks.empty() || !state->ready.empty(); });
    if (!state->tasks.empty()) {
      auto task = std::move(state->tasks.front());
      state->tasks.pop_front();
      lock.unlock();
      try {
        task();
      } catch (...) {
        // Tasks report their own failures.
      }
      lock.lock();
      continue;
    }
    if (state->stopping) return;
    ListenerPtr listener = std::move(state->ready.front());
    state->ready.pop_front();
    listener->in_ready_list = false;
    if (!state->can_start(*listener)) continue;
    Message message = std::move(listener->queue.front());
    listener->queue.pop_front();
    --state->queued_total;
    if (listener->queue.empty()) state->queued.erase(listener.get());
    ++listener->running;
    ++state->running_total;
    state->mark_ready(listener);  // another slot may be free under max_concurrency
    lock.unlock();

    current_listener = listener.get();
    HandlerOutcome outcome = run_handler(*listener, message);
    current_listener = nullptr;
    lock.lock();
    // Stopping while a handler still runs means the pool was closed from inside this very
    // handler (close() waits for every other one first): the client may be gone already, so
    // its result is not recorded and this detached thread touches nothing but `state`.
    const bool record = !state->stopping;
    lock.unlock();
    if (record) {
      try {
        state->on_handled(listener, message, std::move(outcome));
      } catch (...) {
        // Recording reports its own failures.
      }
    }

    lock.lock();
    --listener->running;
    --state->running_total;
    state->mark_ready(listener);
    state->handler_finished.notify_all();
  }
}

}  // namespace buildable::detail
