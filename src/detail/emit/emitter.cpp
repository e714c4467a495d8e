#include "detail/emit/emitter.hpp"

#include <algorithm>
#include <buildable/errors.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "detail/protocol/response_parsing.hpp"
#include "detail/support/json_depth.hpp"

namespace buildable::detail {
namespace {

using std::chrono::steady_clock;

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

}  // namespace

/// One asynchronous emit across its attempts, holding its room among the pending emits
/// until its future is ready. If it is dropped unsettled (the client closed while it was
/// queued or waiting to retry), its future reports ClosedError.
struct Emitter::AsyncEmit {
  AsyncEmit(MetricsRecorder& recorder, PendingEmits& pending_emits, RequestBody request_body,
            PendingEmits::Ticket room)
      : metrics(recorder), pending(pending_emits), body(std::move(request_body)), ticket(room) {}

  MetricsRecorder& metrics;
  PendingEmits& pending;
  std::promise<EmitResult> promise;
  const RequestBody body;  // shared with the transport by every attempt: one copy
  const PendingEmits::Ticket ticket;
  int attempts = 0;
  steady_clock::time_point started;
  bool settled = false;

  ~AsyncEmit() {
    if (!settled) fail(std::make_exception_ptr(ClosedError()));
  }
  // Counted first, so that the metrics include an emit whose future is ready; the room is
  // given back before the future is made ready (see PendingEmits::settle()).
  void succeed(EmitResult result) {
    settled = true;
    MetricsRecorder::add(metrics.emits);
    pending.settle(ticket, [&] { promise.set_value(std::move(result)); });
  }
  void fail(std::exception_ptr error) {
    settled = true;
    MetricsRecorder::add(metrics.emit_failures);
    pending.settle(ticket, [&] { promise.set_exception(std::move(error)); });
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
  if (nests_deeper_than(payload, kMaxSentJsonDepth)) {
    throw InvalidArgument("emit: the payload nests arrays and objects deeper than " +
                          std::to_string(kMaxSentJsonDepth) + " levels (the payload object " +
                          "itself is level 1)");
  }
  std::string body;
  try {
    // Assembled in one buffer: the payload is serialized once and copied once.
    const std::string event_text = nlohmann::json(event).dump();
    const std::string payload_text = payload.dump();
    constexpr std::string_view kOpen = R"({"event":)";
    constexpr std::string_view kPayload = R"(,"payload":)";
    body.reserve(kOpen.size() + event_text.size() + kPayload.size() + payload_text.size() + 1);
    body.append(kOpen).append(event_text).append(kPayload).append(payload_text).push_back('}');
  } catch (const nlohmann::json::type_error& e) {  // invalid UTF-8 in a string
    throw InvalidArgument(std::string("emit: the payload cannot be sent as JSON: ") + e.what());
  }
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
  auto operation = std::make_shared<AsyncEmit>(metrics_, pending_, std::move(body), *ticket);
  operation->started = clock_->now();
  auto future = operation->promise.get_future();
  if (!closed()) attempt(operation);
  return future;  // when not attempted, dropping `operation` settles it with ClosedError
}

bool Emitter::flush(std::optional<std::chrono::steady_clock::time_point> deadline) {
  return pending_.flush(deadline);
}

void Emitter::attempt(const std::shared_ptr<AsyncEmit>& operation) {
  ++operation->attempts;
  loop_().submit("/emit", operation->body, [this, operation](HttpResponse&& response) {
    complete(operation, std::move(response));
  });
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
    loop_().post_at(clock_->now() + *wait, [this, operation] { attempt(operation); });
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
