#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace buildable::detail {

/// The longest delay-seconds parse_retry_after() reports (about 317 years): a `Retry-After`
/// with more digits, or a larger value, saturates to it. It is longer than any backoff, so
/// the caller gives up instead of retrying early (as it would for an absent header).
inline constexpr std::int64_t kMaxRetryAfterSeconds = 9'999'999'999;

/// Parses a `Retry-After` header value: delay-seconds (`120`, any number of digits, capped at
/// kMaxRetryAfterSeconds) or an HTTP-date in any of the three forms HTTP allows
/// (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850, asctime). A date in the past yields zero.
/// Returns nullopt for anything else: network input never throws.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace buildable::detail
