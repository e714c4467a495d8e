#include <buildable/client_options.hpp>
#include <buildable/errors.hpp>
#include <cstdlib>
#include <ostream>
#include <string>

#include "detail/protocol/response_parsing.hpp"
#include "detail/transport/url.hpp"

namespace buildable {
namespace {

[[noreturn]] void reject(const std::string& field, const std::string& what_to_fix) {
  throw InvalidArgument("invalid ClientOptions::" + field + ": " + what_to_fix);
}

void require_positive(std::chrono::milliseconds value, const char* field) {
  if (value.count() <= 0) reject(field, "must be greater than zero");
}

void validate_retry(const RetryOptions& retry) {
  if (retry.max_attempts < 1) reject("retry.max_attempts", "must be at least 1 (1 = no retries)");
  if (retry.initial_backoff.count() < 0) reject("retry.initial_backoff", "must not be negative");
  if (retry.max_backoff < retry.initial_backoff)
    reject("retry.max_backoff", "must be at least retry.initial_backoff");
  if (!(retry.multiplier >= 1.0)) reject("retry.multiplier", "must be at least 1.0");
  if (retry.max_total_time.count() < 0) reject("retry.max_total_time", "must not be negative");
}

}  // namespace

ClientOptions ClientOptions::from_env() {
  ClientOptions options;
  if (const char* secret = std::getenv("BUILDABLE_SECRET_KEY"); secret != nullptr) {
    options.secret = secret;
  }
  if (const char* url = std::getenv("BLD_EVENTS_BASE_URL"); url != nullptr && *url != '\0') {
    options.base_url = url;
  }
  return options;
}

void ClientOptions::validate() const {
  if (secret.empty()) {
    reject("secret",
           "a valid Buildable secret is required; set it or the BUILDABLE_SECRET_KEY variable");
  }
  if (secret.find_first_of("\r\n") != std::string::npos) {
    reject("secret", "must not contain line breaks");
  }
  std::string why;
  const auto url = detail::parse_base_url(base_url, why);
  if (!url) reject("base_url", "'" + detail::redact(base_url, secret) + "' is not usable: " + why);
  if (url->scheme == "http" && !detail::is_loopback_host(url->host) && !allow_insecure_http) {
    reject("base_url",
           "plain http:// is only allowed for loopback hosts; use https:// or set "
           "allow_insecure_http (the secret would travel unencrypted)");
  }
  require_positive(connect_timeout, "connect_timeout");
  require_positive(request_timeout, "request_timeout");
  if (max_connections < 1) reject("max_connections", "must be at least 1");
  if (max_body_bytes == 0) reject("max_body_bytes", "must be greater than zero");
  validate_retry(retry);
  require_positive(poll_interval, "poll_interval");
  if (!(poll_jitter >= 0.0 && poll_jitter < 1.0)) reject("poll_jitter", "must be in [0, 1)");
  if (max_poll_backoff < poll_interval)
    reject("max_poll_backoff", "must be at least poll_interval");
  if (page_size < 1 || page_size > 100) reject("page_size", "must be from 1 to 100");
  if (handler_threads < 1) reject("handler_threads", "must be at least 1");
  if (max_outstanding_messages < 1) reject("max_outstanding_messages", "must be at least 1");
  if (shutdown_timeout.count() < 0) reject("shutdown_timeout", "must not be negative");
  if (user_agent.find_first_of("\r\n") != std::string::npos) {
    reject("user_agent", "must not contain line breaks");
  }
}

std::ostream& operator<<(std::ostream& os, const ClientOptions& o) {
  os << "ClientOptions{secret=" << (o.secret.empty() ? "<empty>" : "<redacted>")
     << ", base_url=" << detail::redact(o.base_url, o.secret)
     << ", allow_insecure_http=" << o.allow_insecure_http
     << ", connect_timeout=" << o.connect_timeout.count() << "ms"
     << ", request_timeout=" << o.request_timeout.count() << "ms"
     << ", max_connections=" << o.max_connections << ", retry.max_attempts=" << o.retry.max_attempts
     << ", poll_interval=" << o.poll_interval.count() << "ms"
     << ", page_size=" << o.page_size << ", handler_threads=" << o.handler_threads
     << ", max_outstanding_messages=" << o.max_outstanding_messages << "}";
  return os;
}

}  // namespace buildable
