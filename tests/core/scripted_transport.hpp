#pragma once
// Test seams of the listening core: a clock moved by hand and an AsyncTransport whose every
// request is answered, held, failed or reset on the test's command. No sockets, no sleeps.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "detail/support/clock.hpp"
#include "detail/transport/async_transport.hpp"

namespace core_test {

/// Steady and wall time that only move when advance() is called.
class ManualClock final : public buildable::detail::Clock {
 public:
  std::chrono::steady_clock::time_point now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(offset_ns_.load()));
  }
  std::chrono::system_clock::time_point wall_now() const override {
    return wall_base_ + std::chrono::nanoseconds(offset_ns_.load());
  }
  void advance(std::chrono::microseconds by) {
    offset_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(by).count();
  }

 private:
  std::atomic<std::int64_t> offset_ns_{std::chrono::hours(1) / std::chrono::nanoseconds(1)};
  std::chrono::system_clock::time_point wall_base_ = std::chrono::system_clock::now();
};

/// One request the SDK sent.
struct Request {
  std::uint64_t id = 0;
  std::string path;
  nlohmann::json body;
  buildable::detail::RequestBody bytes;  ///< the buffer the SDK handed over, as it is
};

/// Answers for scripts.
buildable::detail::HttpResponse answer_json(long status, const nlohmann::json& body);
buildable::detail::HttpResponse answer_status(long status, std::string retry_after = {});
/// The connection broke after the request was sent: the SDK cannot know if it was acted on.
buildable::detail::HttpResponse connection_reset();

/// An AsyncTransport with its own I/O thread, like the real one, whose requests go to the
/// test: a rule per path answers at once (or returns nullopt to hold the request until
/// answer() is called). Timers fire when the ManualClock is advanced past them.
class ScriptedTransport final : public buildable::detail::AsyncTransport {
 public:
  using Rule = std::function<std::optional<buildable::detail::HttpResponse>(const Request&)>;

  explicit ScriptedTransport(std::shared_ptr<ManualClock> clock);
  ~ScriptedTransport() override;

  /// Requests to `path` are answered by `rule` from now on. Without a rule they are held.
  void on(const std::string& path, Rule rule);
  /// Completes a held request (on the I/O thread).
  void answer(std::uint64_t id, buildable::detail::HttpResponse response);
  /// The requests to `path` held right now, oldest first.
  std::vector<Request> held(const std::string& path) const;
  /// Every request to `path` sent so far.
  std::vector<Request> sent(const std::string& path) const;
  /// Waits until at least `n` requests to `path` are held; false on timeout.
  bool wait_held(const std::string& path, std::size_t n,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits until at least `n` requests to `path` were sent; false on timeout.
  bool wait_sent(const std::string& path, std::size_t n,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Moves the clock and runs the timers that became due, then waits until the I/O thread
  /// has nothing left to do (so what the timers sent is visible when this returns).
  void advance(std::chrono::microseconds by);
  /// Waits until the I/O thread has no task to run.
  void settle();

  bool start() override;
  void stop() override;
  bool submit(std::string path, buildable::detail::RequestBody body, Completion done) override;
  /// Records the size of the hand-off (see handoffs()), then submits each request.
  bool submit_all(std::vector<Submission>& requests) override;
  /// The number of requests in each submit_all() call so far, in order.
  std::vector<std::size_t> handoffs() const;
  bool post(Task task) override;
  bool post_at(TimePoint when, Task task) override;

 private:
  struct Held {
    Request request;
    Completion done;
  };
  void run();
  bool push_task_locked(Task task);
  std::vector<std::size_t> handoffs_;  // guarded by mutex_

  std::shared_ptr<ManualClock> clock_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Rule> rules_;
  std::deque<Task> tasks_;
  std::multimap<TimePoint, Task> timers_;
  std::map<std::uint64_t, Held> held_;
  std::vector<Request> sent_;
  std::uint64_t next_id_ = 1;
  bool busy_ = false;
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace core_test
