#pragma once

#include <atomic>
#include <buildable/metrics.hpp>
#include <chrono>
#include <cstdint>

namespace buildable::detail {

/// Lock-free counters behind Client::metrics(); relaxed atomics, as nothing is ordered by
/// them.
class MetricsRecorder {
 public:
  using Counter = std::atomic<std::uint64_t>;

  static void add(Counter& counter, std::uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  void handler_call(std::chrono::nanoseconds elapsed, bool failed) noexcept;
  void set_outstanding(std::uint64_t count) noexcept {
    outstanding_messages.store(count, std::memory_order_relaxed);
  }
  void pending_emit_added() noexcept { add(pending_emits); }
  void pending_emit_settled() noexcept { pending_emits.fetch_sub(1, std::memory_order_relaxed); }
  Metrics snapshot() const noexcept;

  Counter emits{0};
  Counter emit_failures{0};
  Counter retries{0};
  Counter emit_queue_waits{0};
  Counter emits_refused{0};
  Counter polls{0};
  Counter poll_failures{0};
  Counter claims_lost{0};
  Counter claim_failures{0};
  Counter records_failed{0};
  Counter abandoned{0};
  Counter reports_dropped{0};

 private:
  Counter messages_dispatched{0};
  Counter handler_failures{0};
  Counter outstanding_messages{0};
  Counter pending_emits{0};
  std::atomic<std::int64_t> handler_ns_total{0};
  std::atomic<std::int64_t> handler_ns_max{0};
};

}  // namespace buildable::detail
