#include "detail/retry/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <utility>

#include "detail/retry/retry_after.hpp"

namespace buildable::detail {
namespace {

/// Statuses that say the service did not act on the request and asks to come back later.
bool refused_for_now(long status) {
  return status == 429 || status == 503;
}

/// Statuses of transient server trouble after which the request may or may not have acted.
bool transient_server_failure(long status) {
  return status == 408 || status == 500 || status == 502 || status == 504;
}

/// Transport failures that retrying cannot fix (configuration or certificate problems).
bool permanent_transport_failure(int code) {
  switch (static_cast<CURLcode>(code)) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_ABORTED_BY_CALLBACK:  // close() in progress
    case CURLE_OUT_OF_MEMORY:
      return true;
    default:
      return false;
  }
}

}  // namespace

RetryPolicy::RetryPolicy(RetryOptions options, JitterSource jitter, WallClock wall_clock,
                         std::shared_ptr<RetryBudget> budget)
    : options_(options),
      backoff_(options.initial_backoff, options.max_backoff, options.multiplier, std::move(jitter)),
      wall_clock_(std::move(wall_clock)),
      budget_(std::move(budget)) {}

bool RetryPolicy::retryable(RequestKind kind, const HttpResponse& response) const {
  if (response.ok()) return false;
  if (response.transport_failed()) {
    if (permanent_transport_failure(response.curl_code)) return false;
    if (!response.maybe_sent) return true;  // provably never reached the service
    switch (kind) {
      case RequestKind::emit:
        return options_.retry_emit_when_unsure;
      case RequestKind::claim:
        return false;
      case RequestKind::query:
      case RequestKind::record:
        return true;
    }
    return false;
  }
  if (refused_for_now(response.status)) return true;
  if (!transient_server_failure(response.status)) return false;
  switch (kind) {
    case RequestKind::emit:
      return options_.retry_emit_when_unsure;
    case RequestKind::claim:
      return false;
    case RequestKind::query:
    case RequestKind::record:
      return true;
  }
  return false;
}

std::optional<std::chrono::milliseconds> RetryPolicy::next_delay(
    RequestKind kind, const HttpResponse& response, int attempts,
    std::chrono::milliseconds elapsed) const {
  const bool may_retry = retryable(kind, response);
  if (budget_ && may_retry) budget_->on_failure();
  if (!may_retry) return std::nullopt;
  // A record carries a claimed message's result and repeating it is harmless, so only the time
  // budget (and close()) ends its retries: giving up would leave the message `processing`.
  if (kind != RequestKind::record && attempts >= options_.max_attempts) return std::nullopt;
  if (budget_ && !budget_->allows_retry()) return std::nullopt;
  auto wait = backoff_.delay(attempts - 1);
  if (!response.retry_after.empty()) {
    if (const auto asked = parse_retry_after(response.retry_after, wall_clock_())) {
      // Coming back earlier than asked would only be refused again.
      if (*asked > options_.max_backoff) return std::nullopt;
      wait = std::max(wait, *asked);
    }
  }
  if (elapsed + wait > options_.max_total_time) return std::nullopt;
  return wait;
}

}  // namespace buildable::detail
