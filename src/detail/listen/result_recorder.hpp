#pragma once

#include <buildable/message.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "detail/listen/callback_pool.hpp"
#include "detail/listen/error_reporter.hpp"
#include "detail/listen/listener.hpp"
#include "detail/retry/retry_policy.hpp"
#include "detail/support/clock.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/async_transport.hpp"
#include "detail/transport/request_tracer.hpp"

namespace buildable::detail {

/// Records handled messages' results with POST /transact, retrying (Retry-After honoured)
/// until the retry policy's time budget runs out. Every result it is given ends recorded or
/// reported to on_error with its key.
class ResultRecorder {
 public:
  /// Runs on the I/O thread when a result's fate is settled (recorded or given up), so the
  /// message's room can be freed.
  using SettledCallback = std::function<void(const ListenerPtr&)>;

  ResultRecorder(AsyncTransport& transport, std::shared_ptr<const Clock> clock, RetryPolicy policy,
                 CallbackPool& pool, const ErrorReporter& reporter, MetricsRecorder& metrics,
                 const RequestTracer& tracer, std::size_t max_body_bytes, SettledCallback settled);

  /// Records a handler's outcome (any thread).
  void record(const ListenerPtr& listener, const Message& message, HandlerOutcome outcome);
  /// Waits until no record is in flight, or until `deadline`. Returns true when none is.
  bool wait(std::chrono::steady_clock::time_point deadline);
  /// Once the transport has stopped: reports every result that was never settled (a retry
  /// still waiting, say) as a `record` error with its key.
  void report_unfinished();

 private:
  struct Job;
  void send(const std::shared_ptr<Job>& job);
  void on_answer(const std::shared_ptr<Job>& job, HttpResponse&& response);
  /// Reports the message as not recorded; `http_status` of the last answer, 0 for none.
  void give_up(const Job& job, std::string why, int http_status = 0);
  void finished(const Job& job);

  AsyncTransport& transport_;
  std::shared_ptr<const Clock> clock_;
  RetryPolicy policy_;
  CallbackPool& pool_;
  const ErrorReporter& reporter_;
  MetricsRecorder& metrics_;
  const RequestTracer& tracer_;
  std::size_t max_body_bytes_;  // largest /transact body sent (ClientOptions::max_body_bytes)
  SettledCallback settled_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<const Job*, std::shared_ptr<Job>> unfinished_;
};

}  // namespace buildable::detail
