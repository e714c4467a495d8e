// Fuzzes the readers of /emit and error answers: parse_error_body, parse_emit_key (and its fast
// path flat_object_key), redact and failure_exception. Invariants: parse_error_body and
// failure_exception never throw; parse_emit_key throws only buildable::ProtocolError and
// otherwise returns the body's non-empty `key`; flat_object_key answers only for JSON objects,
// with the same `key` as a full parse; only the service's error shape yields fields, anything else
// becomes a short excerpt; a name is as sent or withheld as a whole; redact() never leaves any
// secret behind; and what() is one line without the secret.

#include <curl/curl.h>

#include <algorithm>
#include <buildable/errors.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "detail/protocol/flat_object_key.hpp"
#include "detail/protocol/message_parsing.hpp"
#include "detail/protocol/response_parsing.hpp"
#include "detail/transport/http_response.hpp"
#include "fuzz_check.hpp"

namespace {

using buildable::ClosedError;
using buildable::HttpError;
using buildable::ProtocolError;
using buildable::TransportError;
using buildable::detail::failure_exception;
using buildable::detail::flat_object_key;
using buildable::detail::HttpResponse;
using buildable::detail::key_problem;
using buildable::detail::parse_emit_key;
using buildable::detail::parse_error_body;
using buildable::detail::redact;
using buildable::detail::ServerError;
using nlohmann::json;

constexpr std::string_view kSecret = "bld_sk_live_4f1c9a7e2b8d";
constexpr std::string_view kMarker = "<redacted>";

std::string string_field(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool secret_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '_' || c == '-';
}

/// A secret of the usual shape (letters, digits, '_' and '-', 8 or more). Redaction promises
/// these never survive; a secret that is, say, a part of the marker or starts with '>' could
/// be re-formed by the marker itself, and no real secret looks like that.
bool usual_secret(std::string_view secret) {
  return secret.size() >= 8 && std::all_of(secret.begin(), secret.end(), secret_char) &&
         !contains(kMarker, secret);
}

/// The longest run of secret characters in the body (capped), so the secret of the redaction
/// checks usually occurs in the body.
std::string_view secret_from(std::string_view body) {
  std::size_t best_at = 0;
  std::size_t best_size = 0;
  for (std::size_t at = 0; at < body.size();) {
    std::size_t end = at;
    while (end < body.size() && secret_char(static_cast<unsigned char>(body[end])))
      ++end;
    if (end - at > best_size) {
      best_at = at;
      best_size = end - at;
    }
    at = end == at ? at + 1 : end;
  }
  return body.substr(best_at, std::min<std::size_t>(best_size, 64));
}

bool service_shape(const json& parsed) {
  if (!parsed.is_object()) return false;
  const auto status = parsed.find("status");
  const auto name = parsed.find("name");
  return (status != parsed.end() && *status == "error") ||
         (name != parsed.end() && name->is_string());
}

void check_error_body(std::string_view body, const json& parsed) {
  ServerError error;
  try {
    error = parse_error_body(body);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("parse_error_body");
  }
  FUZZ_CHECK(error.from_service == service_shape(parsed));
  if (error.from_service) {
    FUZZ_CHECK(error.name == string_field(parsed, "name"));
    const std::string message = string_field(parsed, "message");
    FUZZ_CHECK(error.message == (message.empty() ? string_field(parsed, "error") : message));
  } else {
    FUZZ_CHECK(error.name.empty() && error.message.empty());
  }
}

void check_emit_key(std::string_view body, const json& parsed) {
  const std::string expected = parsed.is_object() ? string_field(parsed, "key") : std::string();
  try {
    const std::string key = parse_emit_key(body);
    FUZZ_CHECK(!key.empty());
    FUZZ_CHECK(key == expected);
  } catch (const ProtocolError& e) {
    // No key, or one that cannot be used (control characters, ...), which is not shown.
    FUZZ_CHECK(expected.empty() || key_problem(expected, {}) != nullptr);
    if (expected.size() >= 8) FUZZ_CHECK(!contains(e.what(), expected));
    FUZZ_CHECK(*e.what() != '\0');
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("parse_emit_key");
  }
}

void check_flat_object_key(std::string_view body, const json& parsed) {
  std::optional<std::string> key;
  try {
    key = flat_object_key(body);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("flat_object_key");
  }
  if (!key) return;  // outside its form: the full parser decides
  FUZZ_CHECK(parsed.is_object());
  FUZZ_CHECK(*key == string_field(parsed, "key"));
}

void check_redact(std::string_view body, std::string_view secret) {
  const std::string text(body);
  if (secret.empty()) FUZZ_CHECK(redact(text, secret) == text);
  if (!contains(text, secret)) FUZZ_CHECK(redact(text, secret) == text);
  if (!secret.empty()) FUZZ_CHECK(!contains(redact(text, secret), secret));
  // Short secrets of any characters, the marker's included.
  for (std::size_t length = 1; length <= 3 && length <= body.size(); ++length) {
    const std::string_view piece = body.substr(body.size() / 2, length);
    FUZZ_CHECK(!contains(redact(text, piece), piece));
  }
}

/// failure_exception for an HTTP status, a transport failure and an aborted transfer.
void check_failure_exception(std::string_view body, std::string_view secret) {
  const bool check_secret = usual_secret(secret);
  HttpResponse response;
  response.status = 400 + static_cast<long>(body.size() % 5) * 25;  // 400, 425, .., 500
  response.body = std::string(body);
  try {
    std::rethrow_exception(failure_exception(response, secret));
  } catch (const HttpError& e) {
    const ServerError server = parse_error_body(body);
    FUZZ_CHECK(e.status() == static_cast<int>(response.status));
    FUZZ_CHECK(e.from_service() == server.from_service);
    FUZZ_CHECK(e.name() == server.name || e.name() == HttpError::kWithheldName);
    if (server.from_service) {
      FUZZ_CHECK(e.server_message() == redact(server.message, secret));
    } else {
      FUZZ_CHECK(e.name().empty());
      // The excerpt is cut at 200 bytes before the error redacts it once more. A secret of
      // the usual shape cannot be re-formed by escaping (its characters exclude the
      // backslash), so that adds at most one marker; a one-letter "secret" can occur in every
      // \xNN escape and turn each into a marker.
      if (check_secret || secret.empty()) FUZZ_CHECK(e.server_message().size() <= 200 + 10);
      FUZZ_CHECK(e.server_message().find_first_of("\r\n") == std::string::npos);
    }
    FUZZ_CHECK(std::string_view(e.what()).find_first_of("\r\n") == std::string_view::npos);
    if (!secret.empty()) FUZZ_CHECK(!contains(e.what(), secret));
    if (check_secret) {
      // Only the service's documented names (constants, shown whatever the secret) and the
      // placeholder itself may contain it.
      if (contains(e.name(), secret)) {
        FUZZ_CHECK(e.name() == server.name || e.name() == HttpError::kWithheldName);
      }
      FUZZ_CHECK(!contains(e.server_message(), secret));
    }
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("failure_exception (HTTP status)");
  }

  HttpResponse transport;
  transport.curl_code = CURLE_COULDNT_CONNECT;
  transport.maybe_sent = body.size() % 2 == 0;
  transport.error_detail = std::string(body);
  try {
    std::rethrow_exception(failure_exception(transport, secret));
  } catch (const TransportError& e) {
    FUZZ_CHECK(e.curl_code() == CURLE_COULDNT_CONNECT);
    FUZZ_CHECK(e.maybe_sent() == transport.maybe_sent);
    if (!secret.empty()) FUZZ_CHECK(!contains(e.what(), secret));
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("failure_exception (transport)");
  }

  transport.curl_code = CURLE_ABORTED_BY_CALLBACK;
  try {
    std::rethrow_exception(failure_exception(transport, secret));
  } catch (const ClosedError&) {
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("failure_exception (aborted)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = buildable_fuzz::as_text(data, size);
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  check_error_body(body, parsed);
  check_emit_key(body, parsed);
  check_flat_object_key(body, parsed);
  for (const std::string_view secret : {std::string_view(), kSecret, secret_from(body)}) {
    check_redact(body, secret);
    check_failure_exception(body, secret);
  }
  return 0;
}
