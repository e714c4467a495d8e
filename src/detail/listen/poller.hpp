#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "detail/listen/callback_pool.hpp"
#include "detail/listen/listener.hpp"
#include "detail/retry/backoff.hpp"
#include "detail/support/clock.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/async_transport.hpp"
#include "detail/transport/request_tracer.hpp"

namespace buildable::detail {

/// Decides when each listener polls (/query), claims the rows of a page concurrently
/// (/init), and hands claimed messages to the CallbackPool in row order. Runs on the I/O
/// thread of its AsyncTransport.
///
/// Flow control: a listener holds at most two pages of claimed-but-unsettled messages and
/// the client at most max_outstanding; a listener over either bound waits (without polling)
/// until room is freed, and every waiting listener that has room again is woken, so one
/// blocked by its own backlog never holds up the others. A page is followed by another poll
/// Claims carry a token: one whose answer was lost (the request may have been acted on) is
/// sent again at once with the same token, up to kClaimResends times, so a server that
/// honours tokens answers with the claim it made; a 409 after such a loss is still reported
/// `claim_ambiguous` (a server that ignores tokens cannot tell us apart from a rival).
///
/// at once only when it came back full and every claim succeeded or was lost to another
/// consumer; otherwise the listener waits the jittered poll interval. A failed poll, and a
/// page with failed claims, back off exponentially up to max_poll_backoff (longer when the
/// service's Retry-After asks, within that bound).
class Poller {
 public:
  struct Settings {
    std::chrono::milliseconds poll_interval;
    double poll_jitter;
    std::chrono::milliseconds max_poll_backoff;
    int page_size;
    std::size_t max_outstanding;
    std::string secret;  ///< rows whose key contains it are refused (see key_problem())
  };

  /// `record_failed` records a claimed message that could not be decoded as `failed`,
  /// without calling its handler.
  Poller(Settings settings, AsyncTransport& transport, std::shared_ptr<const Clock> clock,
         CallbackPool& pool, CallbackPool::HandledCallback record_failed, MetricsRecorder& metrics,
         JitterSource jitter, const RequestTracer& tracer);

  /// Starts polling for `listener` (any thread).
  void add(const ListenerPtr& listener);
  /// A claimed message's result is settled: frees its room (I/O thread).
  void settled(const ListenerPtr& listener) { free_room(listener, 1); }
  /// Reports claimed messages that will not be handled and frees their room (any thread).
  void abandon(const ListenerPtr& listener, std::vector<Message> messages);
  /// No poll or claim is sent after this (any thread). Claims in flight still complete.
  void stop();
  /// Waits until no claim is in flight, or until `deadline`. Returns true when none is.
  bool wait_for_claims(std::chrono::steady_clock::time_point deadline);

 private:
  struct Page;
  struct Failure;

  // I/O thread only.
  /// `scheduled`: the time of the timer that started this poll, if one did.
  void poll(const ListenerPtr& listener,
            std::optional<std::chrono::steady_clock::time_point> scheduled = std::nullopt);
  void schedule(const ListenerPtr& listener, std::chrono::milliseconds delay);
  void schedule_at(const ListenerPtr& listener, std::chrono::steady_clock::time_point when);
  /// The next poll of a listener whose last page was not full (see ClientOptions::poll_interval).
  void schedule_idle_poll(const ListenerPtr& listener);
  void on_query(const ListenerPtr& listener, int asked, HttpResponse&& response);
  void claim_rows(const std::shared_ptr<Page>& page);
  bool submit_claim(const std::shared_ptr<Page>& page, std::size_t index);
  void on_claim(const std::shared_ptr<Page>& page, std::size_t index, HttpResponse&& response);
  void release_in_order(Page& page);
  void on_page_done(const Page& page);
  void on_failure(const ListenerPtr& listener, Failure failure);
  void free_room(const ListenerPtr& listener, int messages);
  /// poll_interval ± poll_jitter, to the microsecond (at least 1 ms).
  std::chrono::microseconds jittered_interval() const;
  std::chrono::milliseconds backoff_wait(int failures, const std::string& retry_after) const;
  int room_for(const Listener& listener) const;
  void claims_done(std::size_t count);

  Settings settings_;
  AsyncTransport& transport_;
  std::shared_ptr<const Clock> clock_;
  CallbackPool& pool_;
  CallbackPool::HandledCallback record_failed_;
  MetricsRecorder& metrics_;
  const RequestTracer& tracer_;
  JitterSource jitter_;
  Backoff poll_backoff_;

  std::atomic<bool> stopped_{false};
  std::size_t outstanding_ = 0;       // I/O thread
  std::vector<ListenerPtr> waiting_;  // I/O thread: listeners waiting for room

  std::mutex claims_mutex_;
  std::condition_variable claims_changed_;
  std::size_t claims_in_flight_ = 0;
};

}  // namespace buildable::detail
