// Fuzzes parse_retry_after with Retry-After header values. Invariants: it never throws and
// never returns a negative wait; delay-seconds give exactly that many seconds whatever the
// clock (any number of digits, capped at kMaxRetryAfterSeconds); a date's wait shrinks
// exactly as the clock advances and stays below the end of year 9999; and a timestamp derived
// from the input, written in each of the three HTTP-date forms (with surrounding whitespace),
// parses back to exactly the time left until it.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "detail/retry/retry_after.hpp"
#include "fuzz_check.hpp"

namespace {

using buildable::detail::kMaxRetryAfterSeconds;
using buildable::detail::parse_retry_after;
using std::chrono::milliseconds;
using Clock = std::chrono::system_clock;

constexpr std::int64_t kLastSecondOf9999 = 253402300799;  // 9999-12-31T23:59:59Z
constexpr std::int64_t kHourMs = 3600 * 1000;
// The epoch, a time with milliseconds (2024-06-01T12:00:00.250Z) and one near the end of
// system_clock's range (nanoseconds since 1970 overflow in April 2262).
constexpr std::int64_t kNowsMs[] = {0, 1717243200250, 9000000000000};

std::optional<milliseconds> parse(std::string_view value, std::int64_t now_ms) {
  try {
    return parse_retry_after(value, Clock::time_point(milliseconds(now_ms)));
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("parse_retry_after");
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

/// The value as delay-seconds (any number of digits, saturating at kMaxRetryAfterSeconds:
/// a longer value must still give up, never read as absent), if it is one.
std::optional<std::int64_t> delay_seconds(std::string_view value) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = std::min(seconds * 10 + (c - '0'), kMaxRetryAfterSeconds);
  }
  return seconds;
}

void check_value(std::string_view value) {
  const auto seconds = delay_seconds(value);
  for (const std::int64_t now : kNowsMs) {
    const auto wait = parse(value, now);
    const auto later = parse(value, now + kHourMs);
    FUZZ_CHECK(wait.has_value() == later.has_value());
    if (seconds) {
      FUZZ_CHECK(wait && wait->count() == *seconds * 1000);
      FUZZ_CHECK(later && later->count() == *seconds * 1000);
      continue;
    }
    if (!wait) continue;
    // An HTTP-date.
    FUZZ_CHECK(wait->count() >= 0);
    FUZZ_CHECK(later->count() >= 0);
    FUZZ_CHECK(wait->count() <= (kLastSecondOf9999 + 1) * 1000 - now);
    FUZZ_CHECK(later->count() == std::max<std::int64_t>(0, wait->count() - kHourMs));
  }
}

std::uint64_t fnv1a(const std::uint8_t* data, std::size_t size) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < size; ++i) {
    hash = (hash ^ data[i]) * 1099511628211ULL;
  }
  return hash;
}

std::string format(const char* pattern, const std::tm& tm) {
  char buffer[64];
  const std::size_t n = std::strftime(buffer, sizeof buffer, pattern, &tm);
  FUZZ_CHECK(n > 0);
  return std::string(buffer, n);
}

/// A timestamp from the input, written in the three forms HTTP allows, parses back exactly.
void check_round_trip(std::int64_t at) {
  const std::time_t t = static_cast<std::time_t>(at);
  std::tm tm{};
  FUZZ_CHECK(gmtime_r(&t, &tm) != nullptr);
  std::string forms[3] = {format("%a, %d %b %Y %H:%M:%S GMT", tm),  // IMF-fixdate
                          format("%A, %d-%b-%y %H:%M:%S GMT", tm),  // RFC 850
                          format("%a %b %e %H:%M:%S %Y", tm)};      // asctime
  const int year = tm.tm_year + 1900;
  for (int i = 0; i < 3; ++i) {
    if (i == 1 && (year < 1970 || year > 2069)) continue;  // two-digit years: 1970-2069
    for (const std::int64_t now : kNowsMs) {
      const std::int64_t expected = std::max<std::int64_t>(0, at * 1000 - now);
      for (const std::string& value : {forms[i], " " + forms[i] + "\t"}) {
        const auto wait = parse(value, now);
        if (!wait || wait->count() != expected) {
          buildable_fuzz::fail(value.c_str(), __FILE__, __LINE__);
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_value(buildable_fuzz::as_text(data, size));
  check_round_trip(static_cast<std::int64_t>(fnv1a(data, size) %
                                             static_cast<std::uint64_t>(kLastSecondOf9999 + 1)));
  return 0;
}
