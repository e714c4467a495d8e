#include <curl/curl.h>

#include <algorithm>
#include <buildable/errors.hpp>
#include <iterator>
#include <string>
#include <utility>

#include "detail/support/safe_text.hpp"

namespace buildable {
namespace {

/// The names the service documents (and the emulator answers). Showing one of them reveals
/// nothing, even when a short secret happens to occur in it.
constexpr std::string_view kServiceNames[] = {
    "bad-request",
    "client-error",
    "conflict",
    "internal-error",
    "invalid-body",
    "invalid-field",
    "invalid-json",
    "invalid-secret",
    "message-not-found",
    "method-not-allowed",
    "missing-field",
    "not-found",
    "payload-too-large",
    "rate-limited",
    "server-error",
    "service-unavailable",
    "too-deep",
    "transaction-ended",
    "transaction-exists",
    "transaction-not-found",
    "unsupported-media-type",
};

constexpr std::size_t kMaxNameLength = 64;

/// 1 to 64 of a-z and 0-9 in groups joined by single hyphens.
bool kebab_token(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (name.front() == '-' || name.back() == '-') return false;
  char previous = '\0';
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (c != '-' || previous == '-')) return false;
    previous = c;
  }
  return true;
}

std::string vetted_name(std::string name, std::string_view secret) {
  if (name.empty()) return name;
  if (!kebab_token(name)) return HttpError::kWithheldName;
  if (secret.empty() || name.find(secret) == std::string::npos) return name;
  const bool documented = std::find(std::begin(kServiceNames), std::end(kServiceNames), name) !=
                          std::end(kServiceNames);
  return documented ? name : std::string(HttpError::kWithheldName);
}

std::string describe_http(int status, const std::string& name, const std::string& message) {
  std::string text = "Buildable answered HTTP " + std::to_string(status);
  if (!name.empty()) text += " (" + name + ")";
  if (!message.empty()) text += ": " + message;
  return text;
}

std::string describe_other_http(int status, const std::string& excerpt) {
  std::string text = "HTTP " + std::to_string(status) +
                     " from the server or a proxy/gateway in front of it (not a Buildable error "
                     "body";
  text += excerpt.empty() ? ", empty body)" : "): " + excerpt;
  return text;
}

/// what() of an HttpError the SDK builds: the message escaped, the whole redacted.
std::string safe_http_what(int status, const std::string& name, const std::string& message,
                           bool from_service, std::string_view secret) {
  const std::string shown = detail::escape_text(message);
  return detail::redact(
      from_service ? describe_http(status, name, shown) : describe_other_http(status, shown),
      secret);
}

std::string describe_transport(int curl_code, const std::string& detail) {
  std::string text = "request to Buildable failed: ";
  text += curl_easy_strerror(static_cast<CURLcode>(curl_code));
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

}  // namespace

HttpError::HttpError(int status, std::string name, std::string server_message)
    : Error(describe_http(status, name, server_message)),
      status_(status),
      name_(std::move(name)),
      server_message_(std::move(server_message)) {}

HttpError::HttpError(int status, std::string name, std::string server_message, bool from_service,
                     std::string_view secret)
    : Error(safe_http_what(status, vetted_name(name, secret),
                           detail::redact(server_message, secret), from_service, secret)),
      status_(status),
      name_(vetted_name(std::move(name), secret)),
      server_message_(detail::redact(std::move(server_message), secret)),
      from_service_(from_service) {}

TransportError::TransportError(int curl_code, std::string detail, bool maybe_sent)
    : Error(describe_transport(curl_code, detail)),
      curl_code_(curl_code),
      maybe_sent_(maybe_sent) {}

TransportError::TransportError(int curl_code, std::string detail, bool maybe_sent,
                               std::string_view secret)
    : Error(detail::redact(
          describe_transport(curl_code, detail::escape_text(detail::redact(detail, secret))),
          secret)),
      curl_code_(curl_code),
      maybe_sent_(maybe_sent) {}

bool TransportError::timed_out() const noexcept {
  return curl_code_ == CURLE_OPERATION_TIMEDOUT;
}

ClosedError::ClosedError() : Error("the buildable::Client is closed") {}

}  // namespace buildable
