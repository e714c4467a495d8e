#include "detail/retry/retry_after.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <string>

namespace buildable::detail {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

/// delay-seconds: one or more digits, any number of them. Beyond kMaxRetryAfterSeconds the
/// value saturates there: a longer value is still a request to stay away (longer than any
/// backoff), never a value to ignore.
bool parse_seconds(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    // value stays at most the cap, so value * 10 + 9 cannot overflow.
    value = std::min<std::int64_t>(value * 10 + (c - '0'), kMaxRetryAfterSeconds);
  }
  out = value;
  return true;
}

/// A tiny cursor over the date text; each reader fails without moving on mismatch.
struct Cursor {
  std::string_view rest;

  void skip_spaces() {
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
  }
  bool literal(char c) {
    if (rest.empty() || rest.front() != c) return false;
    rest.remove_prefix(1);
    return true;
  }
  bool number(int min_digits, int max_digits, int& out) {
    int digits = 0;
    int value = 0;
    while (digits < max_digits && !rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      value = value * 10 + (rest.front() - '0');
      rest.remove_prefix(1);
      ++digits;
    }
    if (digits < min_digits) return false;
    out = value;
    return true;
  }
  bool month(int& out) {
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
      if (rest.substr(0, 3) == kMonths[i]) {
        rest.remove_prefix(3);
        out = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool word() {  // the weekday: letters only, its value is not needed
    std::size_t n = 0;
    while (n < rest.size() && std::isalpha(static_cast<unsigned char>(rest[n])))
      ++n;
    if (n == 0) return false;
    rest.remove_prefix(n);
    return true;
  }
  bool clock(std::tm& tm) {
    return number(2, 2, tm.tm_hour) && literal(':') && number(2, 2, tm.tm_min) && literal(':') &&
           number(2, 2, tm.tm_sec);
  }
};

bool valid(const std::tm& tm) {
  return tm.tm_mday >= 1 && tm.tm_mday <= 31 && tm.tm_hour <= 23 && tm.tm_min <= 59 &&
         tm.tm_sec <= 60 && tm.tm_year >= 70;
}

bool parse_http_date(std::string_view text, std::tm& tm) {
  Cursor c{text};
  if (!c.word()) return false;
  if (c.literal(',')) {
    c.skip_spaces();
    if (c.rest.size() > 2 && c.rest[2] == '-') {  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
      int year = 0;
      if (!(c.number(2, 2, tm.tm_mday) && c.literal('-') && c.month(tm.tm_mon) && c.literal('-') &&
            c.number(2, 2, year)))
        return false;
      tm.tm_year = year < 70 ? year + 100 : year;
    } else {  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      int year = 0;
      if (!(c.number(1, 2, tm.tm_mday) && c.literal(' ') && c.month(tm.tm_mon) && c.literal(' ') &&
            c.number(4, 4, year)))
        return false;
      tm.tm_year = year - 1900;
    }
    c.skip_spaces();
    if (!c.clock(tm)) return false;
    c.skip_spaces();
    return c.rest == "GMT" && valid(tm);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  c.skip_spaces();
  int year = 0;
  if (!c.month(tm.tm_mon)) return false;
  c.skip_spaces();
  if (!c.number(1, 2, tm.tm_mday)) return false;
  c.skip_spaces();
  if (!c.clock(tm)) return false;
  c.skip_spaces();
  if (!c.number(4, 4, year) || !c.rest.empty()) return false;
  tm.tm_year = year - 1900;
  return valid(tm);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  std::int64_t seconds = 0;
  if (parse_seconds(value, seconds)) return std::chrono::milliseconds(seconds * 1000);
  std::tm tm{};
  if (!parse_http_date(value, tm)) return std::nullopt;
  const std::time_t at = timegm(&tm);
  if (at == static_cast<std::time_t>(-1)) return std::nullopt;
  // In milliseconds: system_clock's nanoseconds overflow past the year 2262, and a year up to
  // 9999 in milliseconds fits. Flooring `now` rounds the wait up: never come back early.
  const auto now_ms = std::chrono::floor<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t delta = static_cast<std::int64_t>(at) * 1000 - now_ms;
  if (delta <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(delta);
}

}  // namespace buildable::detail
