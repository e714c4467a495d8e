#include "since.hpp"

#include <cctype>
#include <cstdint>

#include "arguments.hpp"
#include "errors.hpp"

namespace buildable::cli {
namespace {

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

/// Reads exactly `width` digits at `pos`; false if they are not all there.
bool digits(const std::string& s, std::size_t& pos, std::size_t width, unsigned& out) {
  if (pos + width > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  pos += width;
  return true;
}

bool expect(const std::string& s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601(const std::string& s) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  std::int64_t millis = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't') return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute)) {
      return std::nullopt;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!digits(s, pos, 2, second)) return std::nullopt;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        std::int64_t scale = 100;
        const std::size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
          millis += scale * (s[pos] - '0');  // digits past milliseconds are truncated
          scale /= 10;
          ++pos;
        }
        if (pos == start) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    const std::string zone = s.substr(pos);
    if (zone != "Z" && zone != "z" && zone != "+00:00" && zone != "+0000") return std::nullopt;
  }
  const std::int64_t seconds = days_from_civil(year, month, day) * 86400 +
                               static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(seconds * 1000 + millis));
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_since(const std::string& value) {
  if (value == "now") return std::nullopt;
  if (value == "all") return std::chrono::system_clock::time_point{};
  if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
    const long long ms = parse_integer("--since", value, 0, 253402300799999LL);  // < year 10000
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  }
  if (auto when = parse_iso8601(value)) return when;
  throw UsageError(
      "--since: expected now, all, epoch milliseconds or an ISO-8601 UTC time such "
      "as 2024-05-01T12:00:00Z, got '" +
      value + "'");
}

}  // namespace buildable::cli
