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

std::chrono::milliseconds since(steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start);
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

/// One asynchronous emit across its attempts. If it is dropped unsettled (the client closed
/// while it was queued or waiting to retry), its future reports ClosedError.
struct Emitter::AsyncEmit {
  explicit AsyncEmit(MetricsRecorder& recorder) : metrics(recorder) {}

  MetricsRecorder& metrics;
  std::promise<EmitResult> promise;
  std::string body;
  int attempts = 0;
  steady_clock::time_point started = steady_clock::now();
  bool settled = false;

  ~AsyncEmit() {
    if (settled) return;
    promise.set_exception(std::make_exception_ptr(ClosedError()));
    MetricsRecorder::add(metrics.emit_failures);
  }
  void succeed(EmitResult result) {
    settled = true;
    promise.set_value(std::move(result));
  }
  void fail(std::exception_ptr error) {
    settled = true;
    promise.set_exception(std::move(error));
  }
};

Emitter::Emitter(std::string secret, std::size_t max_body_bytes, RetryPolicy policy,
                 SyncTransport& transport, std::function<AsyncTransport&()> loop,
                 MetricsRecorder& metrics)
    : secret_(std::move(secret)),
      max_body_bytes_(max_body_bytes),
      policy_(std::move(policy)),
      transport_(transport),
      loop_(std::move(loop)),
      metrics_(metrics) {}

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
  std::string body = make_body(event, payload);
  try {
    EmitResult result = send(std::move(body));
    MetricsRecorder::add(metrics_.emits);
    return result;
  } catch (...) {
    MetricsRecorder::add(metrics_.emit_failures);
    throw;
  }
}

EmitResult Emitter::send(std::string body) {
  if (closed()) throw ClosedError();
  const auto started = steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    // Keep the body for a possible retry only when one can happen.
    HttpResponse response = transport_.perform(
        "/emit", attempt < policy_.options().max_attempts ? body : std::move(body));
    if (response.ok()) {
      policy_.on_success();
      return EmitResult{parse_emit_key(response.body, secret_), attempt};
    }
    const auto wait = policy_.next_delay(RequestKind::emit, response, attempt, since(started));
    if (!wait) std::rethrow_exception(failure_exception(response, secret_));
    MetricsRecorder::add(metrics_.retries);
    std::unique_lock lock(mutex_);
    if (closed_changed_.wait_for(lock, *wait, [&] { return closed_; })) throw ClosedError();
  }
}

std::future<EmitResult> Emitter::emit_async(std::string_view event, const nlohmann::json& payload) {
  auto operation = std::make_shared<AsyncEmit>(metrics_);
  operation->body = make_body(event, payload);
  auto future = operation->promise.get_future();
  if (!closed()) attempt(operation);
  return future;  // when not attempted, dropping `operation` settles it with ClosedError
}

void Emitter::attempt(const std::shared_ptr<AsyncEmit>& operation) {
  ++operation->attempts;
  std::string body = operation->attempts < policy_.options().max_attempts
                         ? operation->body
                         : std::move(operation->body);
  loop_().submit("/emit", std::move(body), [this, operation](HttpResponse&& response) {
    complete(operation, std::move(response));
  });
}

void Emitter::complete(const std::shared_ptr<AsyncEmit>& operation, HttpResponse&& response) {
  try {
    if (response.ok()) {
      policy_.on_success();
      operation->succeed(EmitResult{parse_emit_key(response.body, secret_), operation->attempts});
      MetricsRecorder::add(metrics_.emits);
      return;
    }
    const auto wait = policy_.next_delay(RequestKind::emit, response, operation->attempts,
                                         since(operation->started));
    if (!wait || closed()) {
      // A retry cut short by close() ends as ClosedError, as it does for emit().
      operation->fail(wait ? std::make_exception_ptr(ClosedError())
                           : failure_exception(response, secret_));
      MetricsRecorder::add(metrics_.emit_failures);
      return;
    }
    MetricsRecorder::add(metrics_.retries);
    loop_().post_at(steady_clock::now() + *wait, [this, operation] { attempt(operation); });
  } catch (...) {
    operation->fail(std::current_exception());
    MetricsRecorder::add(metrics_.emit_failures);
  }
}

void Emitter::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  closed_changed_.notify_all();
}

bool Emitter::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

}  // namespace buildable::detail
