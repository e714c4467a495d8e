#pragma once

#include <buildable/log.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "detail/support/logger.hpp"
#include "detail/transport/http_response.hpp"
#include "detail/transport/transport_config.hpp"

namespace buildable::detail {

/// The client's trace: a `debug` line per HTTP attempt and `info` lines for lifecycle events
/// (ClientOptions::log_level), escaped and never holding the secret. A line about the calling
/// thread's own work goes to the logger at once; a line made on the I/O thread goes to
/// `defer` (the handler pool), as the I/O thread never runs user code.
class RequestTracer {
 public:
  using Defer = std::function<void(LogLevel, std::string)>;

  RequestTracer(const Logger& logger, std::shared_ptr<const TransportConfig> config,
                std::string secret);

  /// Where lines made on the I/O thread go. Set once, before the first request.
  void set_defer(Defer defer) { defer_ = std::move(defer); }
  bool tracing() const noexcept { return logger_.enabled(LogLevel::debug); }

  /// An attempt of a blocking call ended; logged on the calling thread. `attempt` 0: the
  /// request has no retries of its own (polls, claims).
  void attempt_here(std::string_view path, int attempt, const HttpResponse& response) const;
  /// An attempt ended on the I/O thread.
  void attempt_deferred(std::string_view path, int attempt, const HttpResponse& response) const;
  /// A lifecycle event, logged on the calling thread.
  void info(std::string_view text) const;

 private:
  std::string attempt_line(std::string_view path, int attempt, const HttpResponse& r) const;

  Logger logger_;
  std::shared_ptr<const TransportConfig> config_;
  std::string secret_;
  Defer defer_;
};

}  // namespace buildable::detail
