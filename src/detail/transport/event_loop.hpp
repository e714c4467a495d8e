#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "detail/transport/async_transport.hpp"
#include "detail/transport/curl_handles.hpp"
#include "detail/transport/easy_request.hpp"
#include "detail/transport/http_response.hpp"
#include "detail/transport/timer_wake.hpp"
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
  /// One lock and at most one wake-up for the whole list.
  bool submit_all(std::vector<Submission>& requests) override;
  bool post(Task task) override;
  bool post_at(Clock::time_point when, Task task) override;

  bool in_loop_thread() const noexcept { return std::this_thread::get_id() == thread_id_; }

 private:
  using PendingRequest = Submission;
  struct Transfer {
    std::unique_ptr<EasyRequest> request;
    Completion done;
  };
  /// Completions of one round, run after libcurl has reported every finished transfer.
  using Finished = std::vector<std::pair<Completion, HttpResponse>>;

  void run();
  void abort_everything();
  void take_incoming();
  std::size_t max_in_flight() const;
  void start_transfers();
  void start_transfer(PendingRequest pending);
  bool finish_transfers();  // true when a transfer finished
  /// Takes the transfer of `handle` out of transfers_ (nullopt when it is not one of ours).
  std::optional<Transfer> take_transfer(CURL* handle);
  bool run_due_timers();  // true when a timer ran
  /// How long the loop may wait for libcurl or a timer (not counting incoming work).
  int poll_timeout_ms();
  /// Waits in curl_multi_poll() until a socket, a timer, a submission or stop() wakes it.
  void wait_for_work();
  /// Whether a submission must wake the loop: only while it waits in (or is about to enter)
  /// curl_multi_poll(). A loop that is running sees the incoming queues before it waits
  /// (poll_timeout_ms() is 0 while anything is incoming), so a caller that got the core while
  /// the loop was busy costs no wake-up, and a burst of submissions costs at most one.
  bool must_wake_locked() const { return polling_ && !woken_; }
  bool nothing_incoming_locked() const;
  /// Queues with mutex_ held, then wakes the loop if needed.
  template <class Queue>
  void wake_after(Queue&& queue);
  void wake();

  std::shared_ptr<const TransportConfig> config_;
  MultiHandle multi_;

  std::mutex mutex_;  // guards the incoming queues and the state flags
  std::vector<PendingRequest> incoming_requests_;
  std::vector<Task> incoming_tasks_;
  std::multimap<Clock::time_point, Task> incoming_timers_;
  bool started_ = false;
  bool stopped_ = false;
  bool polling_ = false;  // the loop waits, or is about to, in curl_multi_poll()
  bool woken_ = false;    // a wake-up was sent since polling_ was set
  std::thread thread_;
  std::thread::id thread_id_;

  // Loop-thread state.
  // Requests beyond max_connections wait here rather than inside libcurl, whose own queue
  // (7.88) can leave a waiting transfer idle until its next timeout.
  std::deque<PendingRequest> waiting_requests_;
  std::multimap<Clock::time_point, Task> timers_;
  TimerWake timer_wake_;  // wakes the wait at the first timer's exact time
  // In flight, and their handles at the same index (a short array to search when one ends: no
  // allocation per request, unlike a map).
  std::vector<Transfer> transfers_;
  std::vector<CURL*> transfer_handles_;
  std::vector<std::unique_ptr<EasyRequest>> idle_requests_;
  // Kept between rounds so that their capacity is reused instead of allocated per round.
  std::vector<PendingRequest> taken_requests_;
  std::vector<Task> taken_tasks_;
  Finished finished_;
};

}  // namespace buildable::detail
