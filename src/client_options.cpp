#include <algorithm>
#include <buildable/client_options.hpp>
#include <buildable/errors.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <utility>

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

bool is_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(), is_control);
}

void validate_user_agent(const std::string& user_agent) {
  // HTTP allows a tab in a header value, and nothing else below 0x20 (a NUL would also cut
  // the value short, a line break would start a header of its own).
  const bool forbidden = std::any_of(user_agent.begin(), user_agent.end(),
                                     [](char c) { return c != '\t' && is_control(c); });
  if (forbidden) {
    reject("user_agent",
           "must not contain control characters (NUL, line breaks or any other byte below 0x20 "
           "but tab, or 0x7f)");
  }
  // libcurl drops a header whose value is blank: the service would get no User-Agent at all.
  if (!user_agent.empty() && user_agent.find_first_not_of(" \t") == std::string::npos)
    reject("user_agent", "must not be blank (leave it empty for the default)");
  if (user_agent.size() > ClientOptions::kMaxUserAgentBytes) {
    reject("user_agent", "is " + std::to_string(user_agent.size()) + " bytes, over the limit of " +
                             std::to_string(ClientOptions::kMaxUserAgentBytes));
  }
}

/// The file must exist, be a file (not a directory) and open for reading; whether it holds
/// usable PEM certificates only the TLS handshake can tell.
void validate_ca_bundle(const std::string& path, const std::string& secret) {
  const auto fix = [&](const std::string& problem) {
    reject("ca_bundle", problem +
                            "; give the path of a readable PEM file of CA certificates (set "
                            "directly or by BUILDABLE_CA_BUNDLE), or leave it empty to use the "
                            "system trust store");
  };
  if (path.find('\0') != std::string::npos) fix("the path contains a NUL byte");
  const std::string quoted = "'" + detail::redact(path, secret) + "'";
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) fix(quoted + " is a directory");
  // Opening a FIFO (or a device) could block forever or never end: only plain files.
  const auto status = std::filesystem::status(path, error);
  if (!error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    fix(quoted + " is not a regular file");
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) {
    const int code = errno;
    fix(quoted + " cannot be read" +
        (code != 0 ? " (" + std::generic_category().message(code) + ")" : std::string()));
  }
}

/// The variable's value, or nullopt when it is unset or empty.
std::optional<std::string> non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace

ClientOptions ClientOptions::from_env() {
  ClientOptions options;
  if (const char* secret = std::getenv("BUILDABLE_SECRET_KEY"); secret != nullptr) {
    options.secret = secret;
  }
  if (auto url = non_empty_env("BLD_EVENTS_BASE_URL")) options.base_url = std::move(*url);
  if (auto bundle = non_empty_env("BUILDABLE_CA_BUNDLE")) options.ca_bundle = std::move(*bundle);
  if (auto proxy = non_empty_env("BUILDABLE_PROXY")) options.proxy = std::move(*proxy);
  return options;
}

void ClientOptions::validate() const {
  if (secret.empty()) {
    reject("secret",
           "a valid Buildable secret is required; set it or the BUILDABLE_SECRET_KEY variable");
  }
  if (has_control_character(secret)) {
    // Never echoed: the secret (and so where in it the byte sits) must not reach any message.
    reject("secret",
           "must not contain control characters (NUL, tab, line breaks or any other byte below "
           "0x20, or 0x7f); check how the key was copied or read");
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
  if (max_idle_connection_age.count() < 1)
    reject("max_idle_connection_age", "must be at least 1 s");
  if (max_body_bytes == 0) reject("max_body_bytes", "must be greater than zero");
  if (max_response_bytes != 0 && max_response_bytes < 1024) {
    reject("max_response_bytes", "must be 0 (sized to the largest page) or at least 1024");
  }
  if (max_pending_emits < 1) reject("max_pending_emits", "must be at least 1");
  if (max_pending_bytes < 1) reject("max_pending_bytes", "must be at least 1");
  validate_retry(retry);
  require_positive(poll_interval, "poll_interval");
  if (!(poll_jitter >= 0.0 && poll_jitter < 1.0)) reject("poll_jitter", "must be in [0, 1)");
  if (max_poll_backoff < poll_interval)
    reject("max_poll_backoff", "must be at least poll_interval");
  if (page_size < 1 || page_size > 100) reject("page_size", "must be from 1 to 100");
  if (handler_threads < 1) reject("handler_threads", "must be at least 1");
  if (max_outstanding_messages < 1) reject("max_outstanding_messages", "must be at least 1");
  if (shutdown_timeout.count() < 0) reject("shutdown_timeout", "must not be negative");
  validate_user_agent(user_agent);
  if (!ca_bundle.empty()) validate_ca_bundle(ca_bundle, secret);
}

std::ostream& operator<<(std::ostream& os, const ClientOptions& o) {
  os << "ClientOptions{secret=" << (o.secret.empty() ? "<empty>" : "<redacted>")
     << ", base_url=" << detail::redact(o.base_url, o.secret)
     << ", allow_insecure_http=" << o.allow_insecure_http
     << ", connect_timeout=" << o.connect_timeout.count() << "ms"
     << ", request_timeout=" << o.request_timeout.count() << "ms"
     << ", max_connections=" << o.max_connections
     << ", max_idle_connection_age=" << o.max_idle_connection_age.count() << "s"
     << ", max_pending_emits=" << o.max_pending_emits
     << ", max_pending_bytes=" << o.max_pending_bytes << ", when_emit_queue_full="
     << (o.when_emit_queue_full == WhenEmitQueueFull::block ? "block" : "fail")
     << ", retry.max_attempts=" << o.retry.max_attempts
     << ", poll_interval=" << o.poll_interval.count() << "ms"
     << ", page_size=" << o.page_size << ", handler_threads=" << o.handler_threads
     << ", max_outstanding_messages=" << o.max_outstanding_messages
     << ", log_level=" << to_string(o.log_level) << "}";
  return os;
}

}  // namespace buildable
