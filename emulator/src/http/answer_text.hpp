// An HttpAnswer as the bytes of an HTTP/1.1 response.
#pragma once

#include <string>

#include "exchange.hpp"

namespace buildable::emulator::detail::http {

/// The reason phrase of `status` ("OK", "Not Found", ...; "Unknown" for others).
const char* reason_phrase(int status);

/// Status line, `Content-Type`, `Content-Length`, `Connection: close` when `close`, the
/// answer's own headers, and the body. Header values are cut at the first CR or LF, so a
/// value can never add a header.
std::string answer_text(const HttpAnswer& answer, bool close);

}  // namespace buildable::emulator::detail::http
