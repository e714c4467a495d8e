#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

#include "detail/support/safe_text.hpp"  // redact(), used with these by many callers
#include "detail/transport/http_response.hpp"

namespace buildable::detail {

/// What an error answer's body says: the `name` and `message` of the service's error shape
/// `{"status":"error","name":..,"message":..}`.
struct ServerError {
  std::string name;
  std::string message;
  /// The body had the service's error shape: a JSON object with `"status":"error"` or a
  /// string `name`. Otherwise name and message are empty (the body may come from a proxy or
  /// gateway and is shown as an excerpt instead).
  bool from_service = false;
};

/// Reads an error body leniently: `name` and `message` (or, lacking it, `error`) of the
/// service's error shape, empty fields when they are missing or not strings. Never throws.
ServerError parse_error_body(std::string_view body);

/// At most this many bytes of a body that is not the service's error shape are shown.
inline constexpr std::size_t kMaxBodyExcerpt = 200;

/// The `key` of a successful /emit answer. Throws ProtocolError when the body is not JSON, has
/// no non-empty string `key`, or the key has a key_problem() (`secret` included); the key is
/// then not quoted.
std::string parse_emit_key(std::string_view body, std::string_view secret = {});

/// The exception describing a failed response: HttpError for a status, TransportError for a
/// transport failure, ClosedError when it was aborted by close(). Built with the constructors
/// that take the secret (see errors.hpp): the name vetted, server text redacted and escaped in
/// what(); a body that is not the service's error shape becomes an excerpt of at most
/// kMaxBodyExcerpt bytes, redacted before it is cut.
std::exception_ptr failure_exception(const HttpResponse& response, std::string_view secret);

}  // namespace buildable::detail
