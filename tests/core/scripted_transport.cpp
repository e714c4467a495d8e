#include "scripted_transport.hpp"

#include <curl/curl.h>

#include <utility>

namespace core_test {

using buildable::detail::HttpResponse;

HttpResponse answer_json(long status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.body = body.dump();
  return response;
}

HttpResponse answer_status(long status, std::string retry_after) {
  HttpResponse response;
  response.status = status;
  response.body = R"({"status":"error","name":"scripted","message":"scripted failure"})";
  response.retry_after = std::move(retry_after);
  return response;
}

HttpResponse connection_reset() {
  HttpResponse response;
  response.curl_code = CURLE_RECV_ERROR;
  response.maybe_sent = true;
  response.error_detail = "scripted connection reset";
  return response;
}

ScriptedTransport::ScriptedTransport(std::shared_ptr<ManualClock> clock)
    : clock_(std::move(clock)) {}

ScriptedTransport::~ScriptedTransport() {
  stop();
}

void ScriptedTransport::on(const std::string& path, Rule rule) {
  std::lock_guard lock(mutex_);
  rules_[path] = std::move(rule);
}

bool ScriptedTransport::start() {
  std::lock_guard lock(mutex_);
  if (stopped_) return false;
  if (!started_) {
    started_ = true;
    thread_ = std::thread([this] { run(); });
  }
  return true;
}

void ScriptedTransport::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ScriptedTransport::push_task_locked(Task task) {
  if (stopped_) return false;
  tasks_.push_back(std::move(task));
  changed_.notify_all();
  return true;
}

bool ScriptedTransport::submit_all(std::vector<Submission>& requests) {
  {
    std::lock_guard lock(mutex_);
    handoffs_.push_back(requests.size());
  }
  return AsyncTransport::submit_all(requests);
}

std::vector<std::size_t> ScriptedTransport::handoffs() const {
  std::lock_guard lock(mutex_);
  return handoffs_;
}

bool ScriptedTransport::submit(std::string path, buildable::detail::RequestBody body,
                               Completion done) {
  Request request;
  request.path = std::move(path);
  request.body = nlohmann::json::parse(*body, nullptr, false);
  request.bytes = std::move(body);
  Rule rule;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return false;
    request.id = next_id_++;
    sent_.push_back(request);
    if (auto found = rules_.find(request.path); found != rules_.end()) rule = found->second;
  }
  std::optional<HttpResponse> response;
  if (rule) response = rule(request);
  std::lock_guard lock(mutex_);
  if (stopped_) return false;  // stopped meanwhile: refused, as the real transport does
  if (response) {
    push_task_locked(
        [done = std::move(done), r = std::move(*response)]() mutable { done(std::move(r)); });
  } else {
    const auto id = request.id;
    held_.emplace(id, Held{std::move(request), std::move(done)});
    changed_.notify_all();
  }
  return true;
}

void ScriptedTransport::answer(std::uint64_t id, HttpResponse response) {
  std::lock_guard lock(mutex_);
  auto found = held_.find(id);
  if (found == held_.end()) return;
  Completion done = std::move(found->second.done);
  held_.erase(found);
  push_task_locked(
      [done = std::move(done), r = std::move(response)]() mutable { done(std::move(r)); });
}

bool ScriptedTransport::post(Task task) {
  std::lock_guard lock(mutex_);
  return push_task_locked(std::move(task));
}

bool ScriptedTransport::post_at(TimePoint when, Task task) {
  std::lock_guard lock(mutex_);
  if (stopped_) return false;
  timers_.emplace(when, std::move(task));
  changed_.notify_all();
  return true;
}

std::vector<Request> ScriptedTransport::held(const std::string& path) const {
  std::lock_guard lock(mutex_);
  std::vector<Request> result;
  for (const auto& [id, held] : held_)
    if (held.request.path == path) result.push_back(held.request);
  return result;
}

std::vector<Request> ScriptedTransport::sent(const std::string& path) const {
  std::lock_guard lock(mutex_);
  std::vector<Request> result;
  for (const auto& request : sent_)
    if (request.path == path) result.push_back(request);
  return result;
}

bool ScriptedTransport::wait_held(const std::string& path, std::size_t n,
                                  std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    std::size_t count = 0;
    for (const auto& [id, held] : held_)
      count += held.request.path == path ? 1 : 0;
    return count >= n;
  });
}

bool ScriptedTransport::wait_sent(const std::string& path, std::size_t n,
                                  std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    std::size_t count = 0;
    for (const auto& request : sent_)
      count += request.path == path ? 1 : 0;
    return count >= n;
  });
}

void ScriptedTransport::advance(std::chrono::microseconds by) {
  {
    std::lock_guard lock(mutex_);
    clock_->advance(by);
  }
  changed_.notify_all();
  settle();
}

void ScriptedTransport::settle() {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::seconds(10), [&] {
    const bool timer_due = !timers_.empty() && timers_.begin()->first <= clock_->now();
    return stopped_ || (!busy_ && tasks_.empty() && !timer_due);
  });
}

void ScriptedTransport::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] {
      const bool timer_due = !timers_.empty() && timers_.begin()->first <= clock_->now();
      return stopped_ || !tasks_.empty() || timer_due;
    });
    if (stopped_) break;
    Task task;
    if (!tasks_.empty()) {
      task = std::move(tasks_.front());
      tasks_.pop_front();
    } else {
      task = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
    }
    busy_ = true;
    lock.unlock();
    task();
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
  // Stopping, as the real transport does: queued answers are delivered, held requests end
  // as aborted in flight (they were sent), timers are dropped.
  std::deque<Task> tasks;
  tasks.swap(tasks_);
  std::map<std::uint64_t, Held> held;
  held.swap(held_);
  timers_.clear();
  lock.unlock();
  for (auto& task : tasks)
    task();
  for (auto& [id, pending] : held) {
    HttpResponse aborted;
    aborted.curl_code = CURLE_ABORTED_BY_CALLBACK;
    aborted.maybe_sent = true;
    pending.done(std::move(aborted));
  }
}

}  // namespace core_test
