#include "detail/support/metrics_recorder.hpp"

namespace buildable::detail {

void MetricsRecorder::handler_call(std::chrono::nanoseconds elapsed, bool failed) noexcept {
  add(messages_dispatched);
  if (failed) add(handler_failures);
  const auto ns = elapsed.count();
  handler_ns_total.fetch_add(ns, std::memory_order_relaxed);
  auto seen = handler_ns_max.load(std::memory_order_relaxed);
  while (ns > seen && !handler_ns_max.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
}

Metrics MetricsRecorder::snapshot() const noexcept {
  const auto read = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
  Metrics m;
  m.emits = read(emits);
  m.emit_failures = read(emit_failures);
  m.retries = read(retries);
  m.pending_emits = read(pending_emits);
  m.emit_queue_waits = read(emit_queue_waits);
  m.emits_refused = read(emits_refused);
  m.polls = read(polls);
  m.poll_failures = read(poll_failures);
  m.claims_lost = read(claims_lost);
  m.claim_failures = read(claim_failures);
  m.messages_dispatched = read(messages_dispatched);
  m.handler_failures = read(handler_failures);
  m.records_failed = read(records_failed);
  m.abandoned = read(abandoned);
  m.outstanding_messages = read(outstanding_messages);
  m.reports_dropped = read(reports_dropped);
  m.handler_time_total = std::chrono::nanoseconds(handler_ns_total.load(std::memory_order_relaxed));
  m.handler_time_max = std::chrono::nanoseconds(handler_ns_max.load(std::memory_order_relaxed));
  return m;
}

}  // namespace buildable::detail
