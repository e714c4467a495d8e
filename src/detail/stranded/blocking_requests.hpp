#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>

#include "detail/retry/retry_policy.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/http_response.hpp"
#include "detail/transport/request_body.hpp"
#include "detail/transport/request_tracer.hpp"
#include "detail/transport/sync_transport.hpp"

namespace buildable::detail {

/// Blocking requests other than emits (the stranded-message calls' /query pages and /transact
/// records) on the caller's thread, retried per the client's policy for their RequestKind.
/// close() wakes a call waiting between attempts; an attempt in flight is aborted by the
/// transport's abort flag, which close() raises later.
class BlockingRequests {
 public:
  BlockingRequests(SyncTransport& transport, RetryPolicy policy, MetricsRecorder& metrics,
                   const RequestTracer& tracer);

  /// Sends `body` to `path` until it is answered 2xx or the policy gives up, and returns the
  /// last response (the caller turns a failure into its exception). `attempts` receives the
  /// number of attempts made. Throws ClosedError when the client is closed before the first
  /// attempt or while waiting for the next.
  HttpResponse perform(std::string_view path, RequestKind kind, const RequestBody& body,
                       int& attempts);

  /// From now on perform() throws ClosedError, and the calls waiting between attempts wake.
  void close();
  bool closed() const;

 private:
  SyncTransport& transport_;
  RetryPolicy policy_;
  MetricsRecorder& metrics_;
  const RequestTracer& tracer_;

  mutable std::mutex mutex_;
  std::condition_variable closed_changed_;
  bool closed_ = false;
};

}  // namespace buildable::detail
