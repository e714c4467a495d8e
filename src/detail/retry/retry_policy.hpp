#pragma once

#include <buildable/retry_options.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "detail/retry/backoff.hpp"
#include "detail/retry/retry_budget.hpp"
#include "detail/transport/http_response.hpp"

namespace buildable::detail {

/// What a request does to the service decides which failures may be retried.
enum class RequestKind {
  emit,   ///< creates a message: not idempotent
  claim,  ///< creates a transaction: a lost answer cannot be told from losing the race
  query,  ///< read-only
  record  ///< records a result; repeating it is detected (409) and harmless
};

/// Decides whether a failed attempt is retried and after how long. Pure: no sleeping, no I/O.
class RetryPolicy {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  /// `budget`, when given, is shared by every policy of a client and throttles retries while
  /// most attempts fail.
  explicit RetryPolicy(
      RetryOptions options, JitterSource jitter = default_jitter(),
      WallClock wall_clock = [] { return std::chrono::system_clock::now(); },
      std::shared_ptr<RetryBudget> budget = nullptr);

  /// Whether this kind of request may be repeated after this outcome (ignoring budgets).
  bool retryable(RequestKind kind, const HttpResponse& response) const;

  /// The wait before the next attempt, or nullopt to give up: not retryable, attempts
  /// exhausted (not for records, which retry until the time budget runs out), the total time budget
  /// would be exceeded, the server's Retry-After asks for longer than max_backoff, or the retry
  /// budget is spent. Call once per failed attempt. `attempts` counts the attempts made so far (>=
  /// 1); `elapsed` is the time since the first one started.
  std::optional<std::chrono::milliseconds> next_delay(RequestKind kind,
                                                      const HttpResponse& response, int attempts,
                                                      std::chrono::milliseconds elapsed) const;

  /// Tells the retry budget an attempt succeeded.
  void on_success() const noexcept {
    if (budget_) budget_->on_success();
  }

  const RetryOptions& options() const noexcept { return options_; }

 private:
  RetryOptions options_;
  Backoff backoff_;
  WallClock wall_clock_;
  std::shared_ptr<RetryBudget> budget_;
};

}  // namespace buildable::detail
