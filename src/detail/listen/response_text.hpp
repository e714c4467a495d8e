#pragma once

#include <string>

#include "detail/transport/http_response.hpp"

namespace buildable::detail {

/// One line saying why a listening-path request failed (status and server message, or the
/// transport error), as the matching Error's what() would; server text is not yet redacted
/// (ErrorReporter does that on delivery).
std::string describe_failure(const HttpResponse& response);

}  // namespace buildable::detail
