#include "request_metrics.hpp"

#include <algorithm>

#include "dashboard_routes.hpp"
#include "operations_routes.hpp"
#include "prometheus_text.hpp"
#include "protocol.hpp"

namespace buildable::emulator::detail {

namespace {

// The bucket bounds as they appear in `le` (the exposition format wants them exactly).
constexpr const char* kBucketLabels[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                         "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                         "1",      "2.5",   "5",      "10",    "+Inf"};
static_assert(std::size(kBucketLabels) == RequestMetrics::kBuckets.size() + 1);

}  // namespace

RequestMetrics::RequestMetrics()
    : requests_(new std::atomic<std::uint64_t>[endpoint_labels().size() * kStatuses]()),
      durations_(new Histogram[endpoint_labels().size()]()) {}

const std::vector<std::string>& RequestMetrics::endpoint_labels() {
  static const std::vector<std::string> kLabels = [] {
    std::vector<std::string> labels = Protocol::endpoints();
    labels.insert(labels.end(), {"dashboard", "operations", "other"});
    return labels;
  }();
  return kLabels;
}

const std::string& RequestMetrics::endpoint_label(const std::string& path) {
  const auto& labels = endpoint_labels();
  const std::size_t protocol = Protocol::endpoints().size();
  const auto found = std::find(labels.begin(), labels.begin() + protocol, path);
  if (found != labels.begin() + protocol) return *found;
  if (is_dashboard_path(path)) return labels[protocol];
  if (is_operations_path(path)) return labels[protocol + 1];
  return labels[protocol + 2];
}

std::size_t RequestMetrics::index_of(const std::string& path) const {
  const std::string& label = endpoint_label(path);
  return static_cast<std::size_t>(&label - endpoint_labels().data());
}

void RequestMetrics::record(const std::string& path, int status,
                            std::chrono::steady_clock::duration took) {
  const std::size_t endpoint = index_of(path);
  if (status < 0 || status > kMaxStatus) status = 0;
  requests_[endpoint * kStatuses + static_cast<std::size_t>(status)].fetch_add(
      1, std::memory_order_relaxed);

  const auto nanoseconds =
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
  const double seconds = static_cast<double>(nanoseconds) / 1e9;
  // Buckets are stored one per range; write_text() adds them up (cumulative `le`).
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  Histogram& histogram = durations_[endpoint];
  histogram.counts[bucket].fetch_add(1, std::memory_order_relaxed);
  histogram.sum_nanoseconds.fetch_add(static_cast<std::uint64_t>(nanoseconds),
                                      std::memory_order_relaxed);
}

void RequestMetrics::write_text(std::string& out) const {
  const auto& labels = endpoint_labels();
  write_family_head(out, "buildable_requests_total",
                    "HTTP requests answered, by endpoint and status (0: closed without an answer).",
                    "counter");
  for (std::size_t e = 0; e < labels.size(); ++e) {
    for (std::size_t status = 0; status < kStatuses; ++status) {
      const auto count = requests_[e * kStatuses + status].load(std::memory_order_relaxed);
      if (count == 0) continue;  // series appear with their first request
      write_sample(out, "buildable_requests_total",
                   {{"endpoint", labels[e]}, {"status", std::to_string(status)}}, count);
    }
  }

  const char* name = "buildable_request_duration_seconds";
  write_family_head(out, name,
                    "Time from a request's first byte until its answer was written, by endpoint.",
                    "histogram");
  for (std::size_t e = 0; e < labels.size(); ++e) {
    const Histogram& histogram = durations_[e];
    // One pass over the buckets: _count is their total, so it always equals the +Inf bucket.
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < histogram.counts.size(); ++b) {
      cumulative += histogram.counts[b].load(std::memory_order_relaxed);
      write_sample(out, std::string(name) + "_bucket",
                   {{"endpoint", labels[e]}, {"le", kBucketLabels[b]}}, cumulative);
    }
    const double sum =
        static_cast<double>(histogram.sum_nanoseconds.load(std::memory_order_relaxed)) / 1e9;
    write_sample(out, std::string(name) + "_sum", {{"endpoint", labels[e]}}, sum);
    write_sample(out, std::string(name) + "_count", {{"endpoint", labels[e]}}, cumulative);
  }
}

}  // namespace buildable::emulator::detail
