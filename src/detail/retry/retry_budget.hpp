#pragma once

#include <atomic>
#include <cstdint>

namespace buildable::detail {

/// Client-wide retry throttling, so a struggling service is not buried under retries (the
/// token-bucket scheme of gRPC's retry throttling). Every failed attempt costs one token,
/// every success earns back `refund`; retries are allowed only while more than half of
/// `capacity` remains. With the defaults, retries stop after five failures in a row and
/// resume once fewer than about a third of attempts fail. A healthy client never notices it.
/// Thread-safe and lock-free.
class RetryBudget {
 public:
  explicit RetryBudget(double capacity = 10.0, double refund = 0.5);

  void on_failure() noexcept;
  void on_success() noexcept;
  bool allows_retry() const noexcept;

 private:
  static constexpr std::int64_t kScale = 1000;  // tokens are kept in thousandths
  void adjust(std::int64_t delta) noexcept;

  std::int64_t capacity_;
  std::int64_t refund_;
  std::atomic<std::int64_t> tokens_;
};

}  // namespace buildable::detail
