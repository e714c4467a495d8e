#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "detail/transport/async_transport.hpp"
#include "detail/transport/curl_handles.hpp"
#include "detail/transport/easy_request.hpp"
#include "detail/transport/http_response.hpp"
#include "detail/transport/transport_config.hpp"

namespace buildable::detail {

/// The client's I/O thread: one libcurl multi handle driving every asynchronous request
/// (async emits, polls, claims, records) concurrently over a shared pool of keep-alive
/// connections, plus tasks and timers that run on the same thread. It never runs user code.
///
/// Thread safety: submit(), post(), post_at() and stop() may be called from any thread.
/// Completions, tasks and timers run on the loop thread, one at a time, in submission order
/// for tasks. Timers read std::chrono::steady_clock.
class EventLoop final : public AsyncTransport {
 public:
  using Clock = std::chrono::steady_clock;

  explicit EventLoop(std::shared_ptr<const TransportConfig> config);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool start() override;
  /// Aborts in-flight transfers (their completions receive CURLE_ABORTED_BY_CALLBACK), fails
  /// requests not started yet the same way (maybe_sent false), drops pending tasks and
  /// timers, and joins the thread. Idempotent. Must not be called on the loop thread.
  void stop() override;
  bool submit(std::string path, RequestBody body, Completion done) override;
  bool post(Task task) override;
  bool post_at(Clock::time_point when, Task task) override;

  bool in_loop_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }

 private:
  struct PendingRequest {
    std::string path;
    RequestBody body;
    Completion done;
  };
  struct Transfer {
    std::unique_ptr<EasyRequest> request;
    Completion done;
  };

  void run();
  void abort_everything();
  void take_incoming();
  std::size_t max_in_flight() const;
  void start_transfers();
  void start_transfer(PendingRequest pending);
  bool finish_transfers();  // true when a transfer finished
  bool run_due_timers();    // true when a timer ran
  int poll_timeout_ms();
  // A submission wakes the loop only when the incoming queues were empty: otherwise a wake-up
  // is already on its way, or the loop sees them before it waits (poll_timeout_ms() is 0 while
  // anything is incoming), so a burst of submissions costs one wake-up, not one each.
  bool nothing_incoming_locked() const;
  void wake();

  std::shared_ptr<const TransportConfig> config_;
  MultiHandle multi_;

  std::mutex mutex_;  // guards the incoming queues and the state flags
  std::vector<PendingRequest> incoming_requests_;
  std::vector<Task> incoming_tasks_;
  std::multimap<Clock::time_point, Task> incoming_timers_;
  bool started_ = false;
  bool stopped_ = false;
  std::thread thread_;
  std::thread::id thread_id_;

  // Loop-thread state.
  // Requests beyond max_connections wait here rather than inside libcurl, whose own queue
  // (7.88) can leave a waiting transfer idle until its next timeout.
  std::deque<PendingRequest> waiting_requests_;
  std::multimap<Clock::time_point, Task> timers_;
  std::map<CURL*, Transfer> transfers_;
  std::vector<std::unique_ptr<EasyRequest>> idle_requests_;
};

}  // namespace buildable::detail
