#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "detail/retry/backoff.hpp"
#include "detail/listen/error_reporter.hpp"
#include "detail/transport/event_loop.hpp"
#include "detail/listen/handler_pool.hpp"
#include "detail/listen/listener.hpp"
#include "detail/protocol/message_parsing.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/retry/retry_policy.hpp"

namespace buildable::detail {

/// The listening engine, running on the client's I/O thread: decides when each listener
/// polls, claims the rows of a page concurrently, hands claimed messages to the handler pool
/// in order, and records their results.
///
/// Flow control: a listener holds at most two pages of claimed-but-unrecorded messages and
/// the client at most max_outstanding messages; a listener over either bound waits (without
/// polling) until records free room. A page that came back full is followed by another poll
/// at once; otherwise the listener waits the jittered poll interval. Failed polls back off
/// exponentially up to max_poll_backoff.
class Poller {
 public:
  struct Settings {
    std::chrono::milliseconds poll_interval;
    double poll_jitter;
    std::chrono::milliseconds max_poll_backoff;
    int page_size;
    std::size_t max_outstanding;
  };

  Poller(Settings settings, EventLoop& loop, HandlerPool& pool, ErrorReporter& reporter,
         MetricsRecorder& metrics, RetryPolicy record_policy, JitterSource jitter);

  /// Starts polling for `listener` (any thread).
  void add(const ListenerPtr& listener);
  /// Records a handler's outcome with /transact (any thread).
  void record(const ListenerPtr& listener, const Message& message, HandlerOutcome outcome);
  /// Reports claimed messages that will not be handled and frees their room (any thread).
  void abandon(const ListenerPtr& listener, std::vector<Message> messages);
  /// No poll or claim starts after this (any thread). Records still complete.
  void stop();
  /// Waits until no record is in flight, or until `deadline`. Returns true when none is.
  bool wait_for_records(std::chrono::steady_clock::time_point deadline);

 private:
  struct Page;
  struct Record;

  // I/O-thread only.
  void poll(const ListenerPtr& listener);
  void schedule(const ListenerPtr& listener, std::chrono::milliseconds delay);
  void on_query(const ListenerPtr& listener, int asked, HttpResponse&& response);
  void on_poll_failed(const ListenerPtr& listener, const std::string& why,
                      const HttpResponse* response);
  void on_claim(const std::shared_ptr<Page>& page, std::size_t index, HttpResponse&& response);
  void release_in_order(Page& page);
  void on_page_done(const ListenerPtr& listener, bool full);
  void free_room(const ListenerPtr& listener, int messages);
  void send_record(const std::shared_ptr<Record>& record);
  void on_record(const std::shared_ptr<Record>& record, HttpResponse&& response);
  std::chrono::milliseconds jittered_interval() const;
  int room_for(const Listener& listener) const;

  void report(ListenerError error);
  void record_finished();

  Settings settings_;
  EventLoop& loop_;
  HandlerPool& pool_;
  ErrorReporter& reporter_;
  MetricsRecorder& metrics_;
  RetryPolicy record_policy_;
  JitterSource jitter_;
  Backoff poll_backoff_;

  std::atomic<bool> stopped_{false};
  std::size_t outstanding_ = 0;      // I/O thread
  std::deque<ListenerPtr> waiting_;  // I/O thread: listeners waiting for room

  std::mutex records_mutex_;
  std::condition_variable records_changed_;
  int records_in_flight_ = 0;
};

}  // namespace buildable::detail
