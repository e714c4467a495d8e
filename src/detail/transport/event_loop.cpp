#include "detail/transport/event_loop.hpp"

#include <algorithm>
#include <iterator>
#include <new>
#include <utility>

#include "detail/support/thread_name.hpp"
#include "detail/transport/curl_global.hpp"

namespace buildable::detail {
namespace {

// Upper bound of one wait, so a lost wake-up can never stall the loop for long.
constexpr int kMaxWaitMs = 1000;

template <class F, class... Args>
void call_guarded(F& f, Args&&... args) noexcept {
  try {
    f(std::forward<Args>(args)...);
  } catch (...) {
    // Internal callbacks report their own errors; nothing may escape into the loop.
  }
}

}  // namespace

EventLoop::EventLoop(std::shared_ptr<const TransportConfig> config) : config_(std::move(config)) {
  ensure_curl_initialized();
  multi_.reset(curl_multi_init());
  if (!multi_) throw std::bad_alloc();
  const long limit = config_->max_connections;
  curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, limit);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, limit);
  curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, limit);
}

EventLoop::~EventLoop() {
  stop();
}

bool EventLoop::start() {
  std::lock_guard lock(mutex_);
  if (stopped_) return false;
  if (!started_) {
    started_ = true;
    thread_ = std::thread([this] { run(); });
    name_thread(thread_, "buildable-io");
    thread_id_ = thread_.get_id();
  }
  return true;
}

void EventLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  wake();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    abort_everything();  // never started: requests queued before stop() still get an answer
  }
  std::lock_guard lock(mutex_);
  incoming_tasks_.clear();
  incoming_timers_.clear();
}

template <class Queue>
void EventLoop::wake_after(Queue&& queue) {
  bool wake_needed = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    queue();
    wake_needed = must_wake_locked();
    if (wake_needed) woken_ = true;
  }
  if (wake_needed) wake();
}

bool EventLoop::submit(std::string path, RequestBody body, Completion done) {
  bool accepted = false;
  wake_after([&] {
    incoming_requests_.push_back({std::move(path), std::move(body), std::move(done)});
    accepted = true;
  });
  return accepted;
}

bool EventLoop::submit_all(std::vector<Submission>& requests) {
  bool accepted = false;
  wake_after([&] {
    if (incoming_requests_.empty()) {
      incoming_requests_.swap(requests);
    } else {
      std::move(requests.begin(), requests.end(), std::back_inserter(incoming_requests_));
    }
    accepted = true;
  });
  requests.clear();
  return accepted;
}

bool EventLoop::post(Task task) {
  bool accepted = false;
  wake_after([&] {
    incoming_tasks_.push_back(std::move(task));
    accepted = true;
  });
  return accepted;
}

bool EventLoop::post_at(Clock::time_point when, Task task) {
  bool accepted = false;
  wake_after([&] {
    incoming_timers_.emplace(when, std::move(task));
    accepted = true;
  });
  return accepted;
}

bool EventLoop::nothing_incoming_locked() const {
  return incoming_requests_.empty() && incoming_tasks_.empty() && incoming_timers_.empty();
}

void EventLoop::wake() {
  curl_multi_wakeup(multi_.get());
}

void EventLoop::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
      taken_requests_.swap(incoming_requests_);
      taken_tasks_.swap(incoming_tasks_);
      timers_.merge(incoming_timers_);
    }
    const bool took = !taken_requests_.empty() || !taken_tasks_.empty();
    for (auto& task : taken_tasks_)
      call_guarded(task);
    taken_tasks_.clear();
    for (auto& pending : taken_requests_)
      waiting_requests_.push_back(std::move(pending));
    taken_requests_.clear();
    const bool timers_ran = run_due_timers();
    start_transfers();

    int running = 0;
    curl_multi_perform(multi_.get(), &running);
    const bool finished = finish_transfers();
    if (!waiting_requests_.empty() && transfers_.size() < max_in_flight()) {
      start_transfers();
      curl_multi_perform(multi_.get(), &running);
    }

    // Wait only when this round did nothing: after progress more is usually ready at once
    // (answers that arrived meanwhile, requests the completions queued), and a poll() over
    // every connection costs more than the next round's perform.
    if (!(took || timers_ran || finished)) wait_for_work();
  }

  abort_everything();
}

void EventLoop::wait_for_work() {
  const int timeout_ms = poll_timeout_ms();
  curl_waitfd* timer_fd = nullptr;
  if (!timers_.empty() && timeout_ms > 0) {
    const auto due = timers_.begin()->first;
    if (TimerWake::wait_ms(due, Clock::now()) <= timeout_ms) timer_fd = timer_wake_.arm(due);
  }
  {
    std::lock_guard lock(mutex_);
    if (!nothing_incoming_locked() || stopped_) return;  // more work already
    polling_ = true;  // from here on, a submission wakes the loop
    woken_ = false;
  }
  curl_multi_poll(multi_.get(), timer_fd, timer_fd != nullptr ? 1u : 0u, timeout_ms, nullptr);
  if (timer_fd != nullptr) timer_wake_.consume();
  std::lock_guard lock(mutex_);
  polling_ = false;
}

void EventLoop::abort_everything() {
  // Shutting down: every request's owner hears about it, in flight or not yet started.
  for (auto& transfer : transfers_) {
    curl_multi_remove_handle(multi_.get(), transfer.request->handle());
    HttpResponse aborted = transfer.request->finish(CURLE_ABORTED_BY_CALLBACK);
    call_guarded(transfer.done, std::move(aborted));
  }
  transfers_.clear();
  transfer_handles_.clear();
  std::vector<PendingRequest> never_started;
  {
    std::lock_guard lock(mutex_);
    never_started.swap(incoming_requests_);
  }
  for (auto& pending : waiting_requests_)
    never_started.push_back(std::move(pending));
  waiting_requests_.clear();
  for (auto& pending : never_started) {
    HttpResponse aborted;
    aborted.curl_code = CURLE_ABORTED_BY_CALLBACK;
    aborted.maybe_sent = false;
    aborted.error_detail = "the client closed before the request was sent";
    call_guarded(pending.done, std::move(aborted));
  }
  timers_.clear();
}

std::size_t EventLoop::max_in_flight() const {
  return static_cast<std::size_t>(config_->max_connections);
}

void EventLoop::start_transfers() {
  while (!waiting_requests_.empty() && transfers_.size() < max_in_flight()) {
    PendingRequest pending = std::move(waiting_requests_.front());
    waiting_requests_.pop_front();
    start_transfer(std::move(pending));
  }
}

void EventLoop::start_transfer(PendingRequest pending) {
  std::unique_ptr<EasyRequest> request;
  try {
    if (idle_requests_.empty()) {
      // stop() removes the loop's transfers itself (abort_everything()).
      request = std::make_unique<EasyRequest>(config_, EasyRequest::Interruption::owner_removes);
    } else {
      request = std::move(idle_requests_.back());
      idle_requests_.pop_back();
    }
    request->prepare(pending.path, std::move(pending.body));
  } catch (const std::bad_alloc&) {
    HttpResponse failed;
    failed.curl_code = CURLE_OUT_OF_MEMORY;
    failed.maybe_sent = false;
    call_guarded(pending.done, std::move(failed));
    return;
  }
  CURL* handle = request->handle();
  transfers_.push_back(Transfer{std::move(request), std::move(pending.done)});
  transfer_handles_.push_back(handle);
  curl_multi_add_handle(multi_.get(), handle);
}

std::optional<EventLoop::Transfer> EventLoop::take_transfer(CURL* handle) {
  const auto found = std::find(transfer_handles_.begin(), transfer_handles_.end(), handle);
  if (found == transfer_handles_.end()) return std::nullopt;
  const auto index = static_cast<std::size_t>(found - transfer_handles_.begin());
  Transfer transfer = std::move(transfers_[index]);
  transfers_[index] = std::move(transfers_.back());
  transfers_.pop_back();
  *found = transfer_handles_.back();
  transfer_handles_.pop_back();
  return transfer;
}

bool EventLoop::finish_transfers() {
  Finished finished;
  finished.swap(finished_);  // its capacity, kept from earlier rounds
  int remaining = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &remaining)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* handle = message->easy_handle;
    const CURLcode code = message->data.result;
    curl_multi_remove_handle(multi_.get(), handle);
    std::optional<Transfer> transfer = take_transfer(handle);
    if (!transfer) continue;
    finished.emplace_back(std::move(transfer->done), transfer->request->finish(code));
    idle_requests_.push_back(std::move(transfer->request));
  }
  // Newest first: a completion can wake a thread waiting for its result (an async emit's
  // future), and callers typically wait for their oldest request. Waking it last lets it find
  // the whole batch settled, instead of being woken, and switched to, once per completion.
  for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
    call_guarded(it->first, std::move(it->second));
  }
  const bool any = !finished.empty();
  finished.clear();
  finished_.swap(finished);
  return any;
}

bool EventLoop::run_due_timers() {
  const auto now = Clock::now();
  bool ran = false;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    Task task = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    call_guarded(task);
    ran = true;
  }
  return ran;
}

int EventLoop::poll_timeout_ms() {
  long curl_timeout = -1;
  curl_multi_timeout(multi_.get(), &curl_timeout);
  long wait = curl_timeout < 0 ? kMaxWaitMs : std::min<long>(curl_timeout, kMaxWaitMs);
  if (!timers_.empty()) {
    wait = std::min(wait, TimerWake::wait_ms(timers_.begin()->first, Clock::now()));
  }
  return static_cast<int>(wait);
}

}  // namespace buildable::detail
