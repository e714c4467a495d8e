#include "detail/transport/request_tracer.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <utility>

#include "detail/support/safe_text.hpp"

namespace buildable::detail {
namespace {

std::string milliseconds(std::chrono::microseconds elapsed) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(elapsed.count()) / 1000.0);
  return text;
}

}  // namespace

RequestTracer::RequestTracer(const Logger& logger, std::shared_ptr<const TransportConfig> config,
                             std::string secret)
    : logger_(logger), config_(std::move(config)), secret_(std::move(secret)) {}

std::string RequestTracer::attempt_line(std::string_view path, int attempt,
                                        const HttpResponse& r) const {
  std::string line = "POST " + escape_text(path) + ": ";
  if (r.transport_failed()) {
    line += std::string("failed, ") + curl_easy_strerror(static_cast<CURLcode>(r.curl_code));
    if (!r.error_detail.empty()) line += " (" + escape_text(r.error_detail, 300) + ")";
    line += r.maybe_sent ? ", may have been received" : ", not sent";
  } else {
    line += "HTTP " + std::to_string(r.status);
  }
  line += " in " + milliseconds(r.elapsed) + " (";
  if (attempt > 0) line += "attempt " + std::to_string(attempt) + ", ";
  // libcurl counts no new connection when none could be made: with no peer, there was none.
  line += r.new_connection ? "new connection"
          : r.peer.empty() ? "no connection"
                           : "reused connection";
  if (!r.peer.empty()) line += " to " + r.peer;
  line += ", proxy " + config_->proxy_label + ")";
  return redact(std::move(line), secret_);
}

void RequestTracer::attempt_here(std::string_view path, int attempt,
                                 const HttpResponse& response) const {
  if (!tracing()) return;
  logger_.log(LogLevel::debug, attempt_line(path, attempt, response));
}

void RequestTracer::attempt_deferred(std::string_view path, int attempt,
                                     const HttpResponse& response) const {
  if (!tracing() || !defer_) return;
  defer_(LogLevel::debug, attempt_line(path, attempt, response));
}

void RequestTracer::info(std::string_view text) const {
  if (!logger_.enabled(LogLevel::info)) return;
  logger_.log(LogLevel::info, redact(escape_text(text), secret_));
}

}  // namespace buildable::detail
