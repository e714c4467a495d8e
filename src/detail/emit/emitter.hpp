#pragma once

#include <buildable/client_options.hpp>
#include <buildable/emit_result.hpp>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "detail/retry/retry_policy.hpp"
#include "detail/support/metrics_recorder.hpp"
#include "detail/transport/async_transport.hpp"
#include "detail/transport/sync_transport.hpp"

namespace buildable::detail {

/// POST /emit, blocking or asynchronous, with the client's retry policy.
class Emitter {
 public:
  /// `loop` returns the client's started I/O thread (started lazily on first use).
  Emitter(std::string secret, std::size_t max_body_bytes, RetryPolicy policy,
          SyncTransport& transport, std::function<AsyncTransport&()> loop,
          MetricsRecorder& metrics);

  /// Validates the arguments (event name, an object payload nested at most kMaxSentJsonDepth
  /// levels, the body size) and serialises the request body. Throws InvalidArgument.
  std::string make_body(std::string_view event, const nlohmann::json& payload) const;

  EmitResult emit(std::string_view event, const nlohmann::json& payload);
  std::future<EmitResult> emit_async(std::string_view event, const nlohmann::json& payload);

  /// Wakes blocking calls that wait between retries; they and later calls fail with
  /// ClosedError.
  void close();

 private:
  struct AsyncEmit;
  EmitResult send(std::string body);
  void attempt(const std::shared_ptr<AsyncEmit>& operation);
  void complete(const std::shared_ptr<AsyncEmit>& operation, HttpResponse&& response);
  bool closed() const;

  std::string secret_;
  std::size_t max_body_bytes_;
  RetryPolicy policy_;
  SyncTransport& transport_;
  std::function<AsyncTransport&()> loop_;
  MetricsRecorder& metrics_;

  mutable std::mutex mutex_;
  std::condition_variable closed_changed_;
  bool closed_ = false;
};

}  // namespace buildable::detail
