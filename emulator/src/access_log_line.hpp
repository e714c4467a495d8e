// One access log line: when, who, what, how it ended. Built from http::AnsweredRequest only,
// which holds no header value, so a secret can never reach the log.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "buildable/emulator/emulator.hpp"
#include "http/answered_request.hpp"

namespace buildable::emulator::detail {

/// Longest path logged, in bytes of the path as sent; a longer one is cut and ends in "...".
inline constexpr std::size_t kMaxLoggedPathBytes = 512;

/// `text` with every byte that is a control character, a space, `"`, `\` or not part of
/// well-formed UTF-8 (C1 controls included) written as `\xHH`; cut at `max_bytes` of `text`
/// (then "..." is appended). The result is printable, holds no space, and is valid UTF-8.
std::string printable(std::string_view text, std::size_t max_bytes);

/// RFC 3339 in UTC with milliseconds, e.g. "2024-05-01T12:34:56.789Z".
std::string rfc3339_utc_millis(std::chrono::system_clock::time_point when);

/// The line for `request`, answered at `when`, newline included.
/// plain: `TIME PEER METHOD PATH STATUS BODY_BYTES DURATION_MS`
///        (e.g. `2024-05-01T12:34:56.789Z 127.0.0.1:50412 POST /emit 200 57 0.412`);
/// json:  {"time","peer","method","path","status","bytes","duration_ms"}.
/// A request refused before its head was parsed has method and path "-".
std::string access_log_line(const http::AnsweredRequest& request, AccessLogFormat format,
                            std::chrono::system_clock::time_point when);

}  // namespace buildable::emulator::detail
