#include "detail/retry/retry_budget.hpp"

#include <algorithm>

namespace buildable::detail {

RetryBudget::RetryBudget(double capacity, double refund)
    : capacity_(static_cast<std::int64_t>(capacity * kScale)),
      refund_(static_cast<std::int64_t>(refund * kScale)),
      tokens_(capacity_) {}

void RetryBudget::adjust(std::int64_t delta) noexcept {
  auto current = tokens_.load(std::memory_order_relaxed);
  std::int64_t next;
  do {
    next = std::clamp<std::int64_t>(current + delta, 0, capacity_);
    if (next == current) return;  // full (the common case on success) or empty
  } while (!tokens_.compare_exchange_weak(current, next, std::memory_order_relaxed));
}

void RetryBudget::on_failure() noexcept {
  adjust(-kScale);
}

void RetryBudget::on_success() noexcept {
  adjust(refund_);
}

bool RetryBudget::allows_retry() const noexcept {
  return tokens_.load(std::memory_order_relaxed) > capacity_ / 2;
}

}  // namespace buildable::detail
