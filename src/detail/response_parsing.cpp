#include "detail/response_parsing.hpp"

#include <curl/curl.h>

#include <buildable/errors.hpp>
#include <nlohmann/json.hpp>

namespace buildable::detail {
namespace {

constexpr std::size_t kMaxPlainTextMessage = 200;

std::string string_field(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

ServerError parse_error_body(std::string_view body) {
  ServerError error;
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    error.name = string_field(parsed, "name");
    error.message = string_field(parsed, "message");
    if (error.message.empty()) error.message = string_field(parsed, "error");
    return error;
  }
  if (!parsed.is_discarded() || body.empty() || body.size() > kMaxPlainTextMessage) return error;
  // A short non-JSON body (a proxy's "Bad Gateway" page line) still helps the reader.
  for (char c : body) {
    if (c == '\n' || c == '\r' || c == '<') return error;
  }
  error.message.assign(body);
  return error;
}

std::string parse_emit_key(std::string_view body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) throw ProtocolError("the /emit answer is not a JSON object");
  std::string key = string_field(parsed, "key");
  if (key.empty()) throw ProtocolError("the /emit answer has no message key");
  return key;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMarker = "<redacted>";
  // Resume after the marker: a secret that occurs inside it must not be found again.
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kMarker.size())) {
    text.replace(at, secret.size(), kMarker);
  }
  return text;
}

std::exception_ptr failure_exception(const HttpResponse& response, std::string_view secret) {
  if (response.curl_code == CURLE_ABORTED_BY_CALLBACK)
    return std::make_exception_ptr(ClosedError());
  if (response.transport_failed()) {
    return std::make_exception_ptr(TransportError(
        response.curl_code, redact(response.error_detail, secret), response.maybe_sent));
  }
  ServerError server = parse_error_body(response.body);
  return std::make_exception_ptr(HttpError(static_cast<int>(response.status),
                                           redact(std::move(server.name), secret),
                                           redact(std::move(server.message), secret)));
}

}  // namespace buildable::detail
