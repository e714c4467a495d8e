#include "detail/emit/emitter.hpp"

#include <algorithm>
#include <buildable/errors.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "detail/protocol/response_parsing.hpp"
#include "detail/support/json_depth.hpp"
#include "detail/support/json_writer.hpp"

namespace buildable::detail {
namespace {

using std::chrono::steady_clock;

constexpr std::size_t kBodyHintLimit = 1024;

std::chrono::milliseconds since(steady_clock::time_point start, steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
}

void validate_event_name(std::string_view event) {
  if (event.empty()) throw InvalidArgument("emit: the event name must not be empty");
  const bool has_control = std::any_of(event.begin(), event.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (has_control)
    throw InvalidArgument("emit: the event name must not contain control characters");
}

/// Whether an event that failed before its emit existed counts in Metrics::emit_failures, as
/// emit_async() counts it: a caller mistake or a refusal for room (counted in emits_refused)
/// is thrown by emit_async() itself and is no failed emit; ClosedError and the like are.
bool counts_as_emit_failure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const InvalidArgument&) {
    return false;
  } catch (const QueueFullError&) {
    return false;
  } catch (...) {
    return true;
  }
}

}  // namespace

/// The shared state of one emit_batch(): an outcome per event, and the future made ready by
/// the last event to settle.
struct Emitter::BatchEmits {
  explicit BatchEmits(std::size_t size) : outcomes(size), unsettled(size) {}

  std::vector<EmitOutcome> outcomes;  // each written once, by whoever settles that event
  std::atomic<std::size_t> unsettled;
  std::promise<std::vector<EmitOutcome>> promise;

  void settle_one() noexcept {
    if (unsettled.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    try {
      promise.set_value(std::move(outcomes));
    } catch (...) {
      // Set once, by the last event; nothing else can throw here.
    }
  }
};

/// One asynchronous emit across its attempts, holding its room among the pending emits
/// until its outcome is delivered: to its own future (emit_async) or to its slot of a batch.
/// If it is dropped unsettled (the client closed while it was queued or waiting to retry), it
/// ends with ClosedError.
struct Emitter::AsyncEmit {
  AsyncEmit(Emitter& emitter, RequestBody request_body, PendingEmits::Ticket room)
      : owner(emitter), body(std::move(request_body)), ticket(room) {
    promise.emplace();
  }
  AsyncEmit(Emitter& emitter, RequestBody request_body, PendingEmits::Ticket room,
            std::shared_ptr<BatchEmits> of_batch, std::size_t at)
      : owner(emitter),
        body(std::move(request_body)),
        ticket(room),
        batch(std::move(of_batch)),
        index(at) {}

  Emitter& owner;
  const RequestBody body;  // shared with the transport by every attempt: one copy
  const PendingEmits::Ticket ticket;
  std::optional<std::promise<EmitResult>> promise;  // emit_async()
  const std::shared_ptr<BatchEmits> batch;          // emit_batch(): outcome at `index`
  const std::size_t index = 0;
  int attempts = 0;
  steady_clock::time_point started;
  bool settled = false;

  ~AsyncEmit() {
    if (!settled) fail(std::make_exception_ptr(ClosedError()));
  }
  // Counted first, so that the metrics include an emit whose outcome is delivered; the room
  // is given back before that (see PendingEmits::settle()).
  void succeed(EmitResult result) {
    settled = true;
    MetricsRecorder::add(owner.metrics_.emits);
    owner.pending_.settle(ticket, [&] {
      if (batch) {
        batch->outcomes[index].result = std::move(result);
        batch->settle_one();
      } else {
        promise->set_value(std::move(result));
      }
    });
  }
  void fail(std::exception_ptr error) {
    settled = true;
    MetricsRecorder::add(owner.metrics_.emit_failures);
    owner.pending_.settle(ticket, [&] {
      if (batch) {
        batch->outcomes[index].error = std::move(error);
        batch->settle_one();
      } else {
        promise->set_exception(std::move(error));
      }
    });
  }
};

Emitter::Emitter(std::string secret, std::size_t max_body_bytes, PendingEmits::Limits limits,
                 RetryPolicy policy, SyncTransport& transport,
                 std::function<AsyncTransport&()> loop, std::shared_ptr<const Clock> clock,
                 MetricsRecorder& metrics, const RequestTracer& tracer)
    : secret_(std::move(secret)),
      max_body_bytes_(max_body_bytes),
      pending_(limits, metrics),
      policy_(std::move(policy)),
      transport_(transport),
      loop_(std::move(loop)),
      clock_(std::move(clock)),
      metrics_(metrics),
      tracer_(tracer) {}

std::string Emitter::make_body(std::string_view event, const nlohmann::json& payload) const {
  validate_event_name(event);
  if (!payload.is_object()) {
    throw InvalidArgument(std::string("emit: the payload must be a JSON object, not ") +
                          payload.type_name());
  }
  // Before dump(), which recurses once per level: a payload nested far deeper would overflow
  // the stack instead of being refused.
  switch (find_defect(payload, kMaxSentJsonDepth)) {
    case JsonDefect::too_deep:
      throw InvalidArgument("emit: the payload nests arrays and objects deeper than " +
                            std::to_string(kMaxSentJsonDepth) + " levels (the payload object " +
                            "itself is level 1)");
    case JsonDefect::discarded:
      throw InvalidArgument(
          "emit: the payload holds a discarded value (the result of a failed parse), which "
          "cannot be sent as JSON");
    case JsonDefect::none:
      break;
  }
  std::string body;
  // Reserved at the size of the previous body (at most kBodyHintLimit, so that a large body
  // once does not make every later one carry unused room), so serializing rarely grows it.
  body.reserve(body_size_hint_.load(std::memory_order_relaxed));
  // Serialized straight into the body: one buffer, no intermediate strings.
  body.append(R"({"event":)");
  try {
    append_json_string(body, event);
  } catch (const nlohmann::json::type_error&) {
    throw InvalidArgument("emit: the event name is not valid UTF-8");
  }
  try {
    body.append(R"(,"payload":)");
    append_json(body, payload);
    body.push_back('}');
  } catch (const nlohmann::json::type_error& e) {  // invalid UTF-8 in a string
    throw InvalidArgument(std::string("emit: the payload cannot be sent as JSON: ") + e.what());
  }
  body_size_hint_.store(std::min(body.size(), kBodyHintLimit), std::memory_order_relaxed);
  if (body.size() > max_body_bytes_) {
    throw InvalidArgument("emit: the request body is " + std::to_string(body.size()) +
                          " bytes, over the limit of " + std::to_string(max_body_bytes_) +
                          " (ClientOptions::max_body_bytes)");
  }
  return body;
}

EmitResult Emitter::emit(std::string_view event, const nlohmann::json& payload) {
  const RequestBody body = share_body(make_body(event, payload));
  try {
    EmitResult result = send(body);
    MetricsRecorder::add(metrics_.emits);
    return result;
  } catch (...) {
    MetricsRecorder::add(metrics_.emit_failures);
    throw;
  }
}

EmitResult Emitter::send(const RequestBody& body) {
  if (closed()) throw ClosedError();
  const auto started = steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    HttpResponse response = transport_.perform("/emit", body);
    tracer_.attempt_here("/emit", attempt, response);
    if (response.ok()) {
      policy_.on_success();
      return EmitResult{parse_emit_key(response.body, secret_), attempt};
    }
    const auto wait = policy_.next_delay(RequestKind::emit, response, attempt,
                                         since(started, steady_clock::now()));
    if (!wait) std::rethrow_exception(failure_exception(response, secret_));
    MetricsRecorder::add(metrics_.retries);
    std::unique_lock lock(mutex_);
    if (closed_changed_.wait_for(lock, *wait, [&] { return closed_.load(); })) throw ClosedError();
  }
}

std::future<EmitResult> Emitter::emit_async(std::string_view event, const nlohmann::json& payload) {
  RequestBody body = share_body(make_body(event, payload));
  const auto ticket = pending_.admit(body->size());  // may wait for room, or throw
  if (!ticket) {
    std::promise<EmitResult> closed;
    closed.set_exception(std::make_exception_ptr(ClosedError()));
    MetricsRecorder::add(metrics_.emit_failures);
    return closed.get_future();
  }
  auto operation = std::make_shared<AsyncEmit>(*this, std::move(body), *ticket);
  operation->started = clock_->now();
  auto future = operation->promise->get_future();
  if (!closed()) attempt(operation);
  return future;  // when not attempted, dropping `operation` settles it with ClosedError
}

std::future<std::vector<EmitOutcome>> Emitter::emit_batch_async(
    const std::vector<OutgoingEvent>& events) {
  auto batch = std::make_shared<BatchEmits>(events.size());
  auto future = batch->promise.get_future();
  if (events.empty()) {
    batch->promise.set_value({});
    return future;
  }
  std::vector<AsyncTransport::Submission> admitted;  // not handed over yet
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::exception_ptr error;
    try {
      admit_to_batch(events[i], batch, i, admitted);
    } catch (...) {  // this event alone fails
      error = std::current_exception();
    }
    if (!error) continue;
    if (counts_as_emit_failure(error)) MetricsRecorder::add(metrics_.emit_failures);
    batch->outcomes[i].error = std::move(error);
    batch->settle_one();
  }
  hand_over(admitted);
  return future;
}

void Emitter::admit_to_batch(const OutgoingEvent& event, const std::shared_ptr<BatchEmits>& batch,
                             std::size_t index, std::vector<AsyncTransport::Submission>& admitted) {
  RequestBody body = share_body(make_body(event.event, event.payload));
  auto ticket = pending_.try_admit(body->size());
  if (!ticket) {
    // Room may come back only once the events admitted so far are sent: hand them over first.
    hand_over(admitted);
    ticket = pending_.admit(body->size());  // may wait, or throw QueueFullError
    if (!ticket) throw ClosedError();
  }
  auto operation = std::make_shared<AsyncEmit>(*this, std::move(body), *ticket, batch, index);
  // From here on the operation delivers this event's outcome, whatever happens.
  operation->started = clock_->now();
  ++operation->attempts;
  try {
    admitted.push_back({"/emit", operation->body, on_answer(operation)});
  } catch (...) {
    operation->fail(std::current_exception());
  }
}

void Emitter::hand_over(std::vector<AsyncTransport::Submission>& admitted) {
  if (admitted.empty()) return;
  // Not handed over (closed): dropping the completions settles their emits with ClosedError.
  if (!closed()) loop_().submit_all(admitted);
  admitted.clear();
}

bool Emitter::flush(std::optional<std::chrono::steady_clock::time_point> deadline) {
  return pending_.flush(deadline);
}

void Emitter::attempt(const std::shared_ptr<AsyncEmit>& operation) {
  ++operation->attempts;
  loop_().submit("/emit", operation->body, on_answer(operation));
}

AsyncTransport::Completion Emitter::on_answer(const std::shared_ptr<AsyncEmit>& operation) {
  return [operation](HttpResponse&& response) {
    operation->owner.complete(operation, std::move(response));
  };
}

void Emitter::complete(const std::shared_ptr<AsyncEmit>& operation, HttpResponse&& response) {
  tracer_.attempt_deferred("/emit", operation->attempts, response);
  try {
    if (response.ok()) {
      policy_.on_success();
      operation->succeed(EmitResult{parse_emit_key(response.body, secret_), operation->attempts});
      return;
    }
    const auto wait = policy_.next_delay(RequestKind::emit, response, operation->attempts,
                                         since(operation->started, clock_->now()));
    if (!wait || closed()) {
      // A retry cut short by close() ends as ClosedError, as it does for emit().
      operation->fail(wait ? std::make_exception_ptr(ClosedError())
                           : failure_exception(response, secret_));
      return;
    }
    MetricsRecorder::add(metrics_.retries);
    loop_().post_at(clock_->now() + *wait, [operation] { operation->owner.attempt(operation); });
  } catch (...) {
    operation->fail(std::current_exception());
  }
}

void Emitter::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  closed_changed_.notify_all();
  pending_.close();
}

bool Emitter::closed() const {
  return closed_.load();
}

}  // namespace buildable::detail
