#pragma once

#include <atomic>
#include <buildable/client_options.hpp>
#include <buildable/emit_batch.hpp>
#include <buildable/emit_result.hpp>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "detail/emit/pending_emits.hpp"
#include "detail/retry/retry_policy.hpp"
#include "detail/support/clock.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/async_transport.hpp"
#include "detail/transport/request_tracer.hpp"
#include "detail/transport/sync_transport.hpp"

namespace buildable::detail {

/// POST /emit, blocking or asynchronous, with the client's retry policy.
class Emitter {
 public:
  /// `loop` returns the client's started I/O thread (started lazily on first use); async
  /// retries are timed on `clock`, the one the loop's timers run on.
  Emitter(std::string secret, std::size_t max_body_bytes, PendingEmits::Limits limits,
          RetryPolicy policy, SyncTransport& transport, std::function<AsyncTransport&()> loop,
          std::shared_ptr<const Clock> clock, MetricsRecorder& metrics,
          const RequestTracer& tracer);

  /// Validates the arguments (event name, an object payload nested at most kMaxSentJsonDepth
  /// levels, the body size) and serialises the request body. Throws InvalidArgument.
  std::string make_body(std::string_view event, const nlohmann::json& payload) const;

  EmitResult emit(std::string_view event, const nlohmann::json& payload);
  /// Throws InvalidArgument, or QueueFullError when the pending emits are at a limit and the
  /// policy is to fail.
  std::future<EmitResult> emit_async(std::string_view event, const nlohmann::json& payload);
  /// emit_async() for many events, each on its own (a mistake, a refusal or a failure affects
  /// only its own outcome), handed to the I/O thread together: one lock and one wake-up for
  /// all the events that find room at once. Never throws for one event.
  std::future<std::vector<EmitOutcome>> emit_batch_async(const std::vector<OutgoingEvent>& events);
  /// Waits for the emit_async() calls accepted before it (see PendingEmits::flush()).
  bool flush(std::optional<std::chrono::steady_clock::time_point> deadline);

  /// Wakes blocking calls that wait between retries or for room; they and later calls fail
  /// with ClosedError.
  void close();

 private:
  struct AsyncEmit;
  struct BatchEmits;
  EmitResult send(const RequestBody& body);
  void attempt(const std::shared_ptr<AsyncEmit>& operation);
  AsyncTransport::Completion on_answer(const std::shared_ptr<AsyncEmit>& operation);
  /// Makes the emit of `event`, slot `index` of `batch`, and adds it to `admitted`; hands
  /// `admitted` over before waiting for room. Throws what emit_async() would, before the emit
  /// exists; once it exists, it delivers the outcome itself.
  void admit_to_batch(const OutgoingEvent& event, const std::shared_ptr<BatchEmits>& batch,
                      std::size_t index, std::vector<AsyncTransport::Submission>& admitted);
  /// Hands `admitted` to the I/O thread at once, and empties it.
  void hand_over(std::vector<AsyncTransport::Submission>& admitted);
  void complete(const std::shared_ptr<AsyncEmit>& operation, HttpResponse&& response);
  bool closed() const;

  std::string secret_;
  std::size_t max_body_bytes_;
  PendingEmits pending_;
  RetryPolicy policy_;
  SyncTransport& transport_;
  std::function<AsyncTransport&()> loop_;
  std::shared_ptr<const Clock> clock_;
  MetricsRecorder& metrics_;
  const RequestTracer& tracer_;

  std::mutex mutex_;  // for closed_changed_: a retry's wait ends at close()
  std::condition_variable closed_changed_;
  std::atomic<bool> closed_{false};  // read on every emit without the lock
  // The last body's size, which make_body() reserves; a hint only, so const calls update it.
  mutable std::atomic<std::size_t> body_size_hint_{64};
};

}  // namespace buildable::detail
