#pragma once
/// @file retry_options.hpp

#include <chrono>

namespace buildable {

/// How requests are retried: exponential backoff with full jitter, bounded by attempts and by
/// total time. A `Retry-After` header (seconds or HTTP-date) from the server raises the wait
/// to at least that long, still within max_backoff.
///
/// @par Idempotency
/// `/emit` is not idempotent. By default it is retried only when the request provably did not
/// reach the service or was refused without being acted on: connection refused, DNS failure,
/// 429 and 503. Set retry_emit_when_unsure to also retry emits on failures after which the
/// service may have stored the message (timeouts, resets, 500/502/504); a retried emit may then
/// create a duplicate message. Claims and queries of the listening path follow their own rules
/// (see Client::on).
struct RetryOptions {
  /// Total attempts per call, the first one included. 1 disables retries. Recording a
  /// handler's result is the exception: it is retried until max_total_time, since repeating it
  /// is harmless and giving up would leave the message `processing`.
  int max_attempts = 4;
  /// Backoff before the first retry; doubled (times multiplier) each retry.
  std::chrono::milliseconds initial_backoff{100};
  /// Upper bound of a single wait, also for Retry-After.
  std::chrono::milliseconds max_backoff{10'000};
  /// Growth factor of the backoff, >= 1.
  double multiplier = 2.0;
  /// No retry starts after this much time has passed since the call began.
  std::chrono::milliseconds max_total_time{30'000};
  /// Widen emit retries to failures after which the request may have reached the service.
  bool retry_emit_when_unsure = false;
};

}  // namespace buildable
