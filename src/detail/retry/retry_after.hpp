#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace buildable::detail {

/// Parses a `Retry-After` header value: delay-seconds (`120`) or an HTTP-date in any of the
/// three forms HTTP allows (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850, asctime). A date in the
/// past yields zero. Returns nullopt for anything else: network input never throws.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace buildable::detail
