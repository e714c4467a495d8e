#include "detail/listen/result_recorder.hpp"

#include <string>
#include <utility>

#include "detail/listen/response_text.hpp"
#include "detail/protocol/listen_requests.hpp"

namespace buildable::detail {

/// One /transact across its attempts.
struct ResultRecorder::Job {
  ListenerPtr listener;
  std::string key;
  RequestBody body;
  int attempts = 0;
  std::chrono::steady_clock::time_point started;
};

ResultRecorder::ResultRecorder(AsyncTransport& transport, std::shared_ptr<const Clock> clock,
                               RetryPolicy policy, CallbackPool& pool,
                               const ErrorReporter& reporter, MetricsRecorder& metrics,
                               const RequestTracer& tracer, std::size_t max_body_bytes,
                               SettledCallback settled)
    : transport_(transport),
      clock_(std::move(clock)),
      policy_(std::move(policy)),
      pool_(pool),
      reporter_(reporter),
      metrics_(metrics),
      tracer_(tracer),
      max_body_bytes_(max_body_bytes),
      settled_(std::move(settled)) {}

void ResultRecorder::record(const ListenerPtr& listener, const Message& message,
                            HandlerOutcome outcome) {
  if (outcome.failed) {
    // The failure text becomes the transaction's stored output: a handler exception quoting
    // the secret must not put it there (X1), just as it must not reach on_error.
    if (outcome.output.is_string()) {
      outcome.output = reporter_.redact_secret(outcome.output.get<std::string>());
    }
    pool_.report(
        {ListenerError::Kind::handler, listener->identity, message.key,
         outcome.output.is_string() ? outcome.output.get<std::string>() : outcome.output.dump()});
  }
  auto job = std::make_shared<Job>();
  job->listener = listener;
  job->key = message.key;
  job->started = clock_->now();
  // Checked before it is copied and dumped, both recursing once per level: a result nested
  // far deeper would overflow the stack of this handler thread.
  RecordRequest request = make_checked_record_body(
      message.key, listener->query.tx_key, listener->query.event, outcome.output, outcome.failed,
      max_body_bytes_, "the handler's output");
  job->body = std::move(request.body);
  std::string unsendable = std::move(request.unsendable);  // why it cannot be recorded as it is
  if (!unsendable.empty()) {
    pool_.report({ListenerError::Kind::handler, listener->identity, message.key, unsendable});
    job->body = share_body(make_record_body(message.key, listener->query.tx_key,
                                            listener->query.event, unsendable, /*failed=*/true));
  }
  {
    std::lock_guard lock(mutex_);
    unfinished_.emplace(job.get(), job);
  }
  send(job);
}

void ResultRecorder::send(const std::shared_ptr<Job>& job) {
  ++job->attempts;
  const bool sent = transport_.submit("/transact", job->body, [this, job](HttpResponse&& response) {
    on_answer(job, std::move(response));
  });
  if (!sent) {
    give_up(*job, "the client closed before the result could be recorded");
    finished(*job);
  }
}

void ResultRecorder::on_answer(const std::shared_ptr<Job>& job, HttpResponse&& response) {
  tracer_.attempt_deferred("/transact", job->attempts, response);
  // 409: already finished or failed, e.g. our earlier attempt landed but its answer was lost.
  const bool done = response.ok() || (!response.transport_failed() && response.status == 409);
  if (!done) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_->now() - job->started);
    if (auto wait = policy_.next_delay(RequestKind::record, response, job->attempts, elapsed)) {
      MetricsRecorder::add(metrics_.retries);
      // If the transport stops first the retry never runs; report_unfinished() tells.
      transport_.post_at(clock_->now() + *wait, [this, job] { send(job); });
      return;
    }
    give_up(*job, describe_failure(response),
            response.transport_failed() ? 0 : static_cast<int>(response.status));
  }
  settled_(job->listener);
  finished(*job);
}

void ResultRecorder::give_up(const Job& job, std::string why, int http_status) {
  MetricsRecorder::add(metrics_.records_failed);
  ListenerError error{ListenerError::Kind::record, job.listener->identity, job.key,
                      std::move(why) + "; the message stays 'processing' for this txKey"};
  error.http_status = http_status;
  pool_.report(std::move(error));
}

void ResultRecorder::finished(const Job& job) {
  {
    std::lock_guard lock(mutex_);
    unfinished_.erase(&job);
  }
  changed_.notify_all();
}

bool ResultRecorder::wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return unfinished_.empty(); });
}

void ResultRecorder::report_unfinished() {
  std::map<const Job*, std::shared_ptr<Job>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(unfinished_);
  }
  for (const auto& [id, job] : left)
    give_up(*job, "the client closed before the result could be recorded");
  changed_.notify_all();
}

}  // namespace buildable::detail
