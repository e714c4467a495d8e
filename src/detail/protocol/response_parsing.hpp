#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "detail/transport/http_response.hpp"

namespace buildable::detail {

/// The `name` and `message` of an error body `{"status":"error","name":..,"message":..}`.
struct ServerError {
  std::string name;
  std::string message;
};

/// Reads an error body leniently: anything that is not the documented shape yields empty
/// fields (or, for a short plain-text body, the text as message). Never throws.
ServerError parse_error_body(std::string_view body);

/// The `key` of a successful /emit answer. Throws ProtocolError when the body is not JSON or
/// has no non-empty string `key`.
std::string parse_emit_key(std::string_view body);

/// `text` with every occurrence of `secret` replaced by `<redacted>`.
std::string redact(std::string text, std::string_view secret);

/// The exception describing a failed response: HttpError for a status, TransportError for a
/// transport failure, ClosedError when it was aborted by close(). Server-supplied text is
/// redacted of the secret.
std::exception_ptr failure_exception(const HttpResponse& response, std::string_view secret);

}  // namespace buildable::detail
