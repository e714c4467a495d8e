// Request counters and latency histograms of the /metrics endpoint, lock-free: one atomic
// add per counter on the I/O threads, read whenever a scraper asks.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace buildable::emulator::detail {

/// Counts answered requests by endpoint and status, and their durations by endpoint. The label
/// sets are fixed (endpoint_labels(), statuses 0..599), so the series stay bounded whatever
/// clients send. Never reset: Prometheus counters only go up.
class RequestMetrics {
 public:
  /// Upper bounds of the duration histogram's buckets, in seconds (+Inf comes on top).
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  static constexpr int kMaxStatus = 599;

  RequestMetrics();

  /// The `endpoint` label values: the protocol endpoints, "dashboard", "operations", "other".
  static const std::vector<std::string>& endpoint_labels();
  /// The `endpoint` label of a request to `path` (empty: a request refused unparsed, "other").
  static const std::string& endpoint_label(const std::string& path);

  /// Counts one answered request. `status` outside 0..kMaxStatus counts as 0 (no answer).
  void record(const std::string& path, int status, std::chrono::steady_clock::duration took);

  /// Appends `buildable_requests_total` and `buildable_request_duration_seconds` in the text
  /// exposition format (HELP and TYPE lines included).
  void write_text(std::string& out) const;

 private:
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> counts{};  ///< last: +Inf
    std::atomic<std::uint64_t> sum_nanoseconds{0};
  };
  static constexpr std::size_t kStatuses = kMaxStatus + 1;

  std::size_t index_of(const std::string& path) const;

  /// [endpoint * kStatuses + status]
  std::unique_ptr<std::atomic<std::uint64_t>[]> requests_;
  std::unique_ptr<Histogram[]> durations_;  ///< [endpoint]
};

}  // namespace buildable::emulator::detail
