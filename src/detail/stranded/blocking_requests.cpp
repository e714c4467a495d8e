#include "detail/stranded/blocking_requests.hpp"

#include <buildable/errors.hpp>
#include <utility>

namespace buildable::detail {

BlockingRequests::BlockingRequests(SyncTransport& transport, RetryPolicy policy,
                                   MetricsRecorder& metrics, const RequestTracer& tracer)
    : transport_(transport), policy_(std::move(policy)), metrics_(metrics), tracer_(tracer) {}

HttpResponse BlockingRequests::perform(std::string_view path, RequestKind kind,
                                       const RequestBody& body, int& attempts) {
  attempts = 0;
  if (closed()) throw ClosedError();
  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    ++attempts;
    HttpResponse response = transport_.perform(path, body);
    tracer_.attempt_here(path, attempts, response);
    if (response.ok()) return response;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    const auto wait = policy_.next_delay(kind, response, attempts, elapsed);
    if (!wait) return response;
    MetricsRecorder::add(metrics_.retries);
    std::unique_lock lock(mutex_);
    if (closed_changed_.wait_for(lock, *wait, [&] { return closed_; })) throw ClosedError();
  }
}

void BlockingRequests::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  closed_changed_.notify_all();
}

bool BlockingRequests::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace buildable::detail
