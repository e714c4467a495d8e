#include "access_log_line.hpp"

#include <cstdio>
#include <ctime>

namespace buildable::emulator::detail {

namespace {

constexpr std::size_t kMaxLoggedMethodBytes = 32;

// Length of the well-formed UTF-8 sequence of a non-ASCII character at the start of `text`,
// or 0 when it is not one (stray continuation, overlong form, surrogate, above U+10FFFF) or is
// a C1 control character.
std::size_t utf8_sequence(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07u;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (byte(i) & 0x3Fu);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  const bool c1_control = code >= 0x80 && code <= 0x9F;
  if (overlong || surrogate || code > 0x10FFFF || c1_control) return 0;
  return length;
}

void append_escaped_byte(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789ABCDEF";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0x0F];
}

std::string or_dash(std::string text) {
  return text.empty() ? "-" : text;
}

std::string peer(const http::AnsweredRequest& request) {
  if (request.remote_address.empty()) return "-";
  const bool v6 = request.remote_address.find(':') != std::string::npos;
  return (v6 ? "[" + request.remote_address + "]" : request.remote_address) + ":" +
         std::to_string(request.remote_port);
}

// Only `"` and `\` need escaping: printable() output holds no control character.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  const bool cut = text.size() > max_bytes;
  if (cut) text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c > 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t length = c >= 0x80 ? utf8_sequence(text.substr(i)) : 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      append_escaped_byte(out, c);
      ++i;
    }
  }
  if (cut) out += "...";
  return out;
}

std::string rfc3339_utc_millis(std::chrono::system_clock::time_point when) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(since_epoch / 1000);
  long long millis = since_epoch % 1000;
  if (millis < 0) {  // before 1970: the second below, plus positive milliseconds
    millis += 1000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return text;
}

std::string access_log_line(const http::AnsweredRequest& request, AccessLogFormat format,
                            std::chrono::system_clock::time_point when) {
  const std::string time = rfc3339_utc_millis(when);
  const std::string from = peer(request);
  const std::string method = or_dash(printable(request.method, kMaxLoggedMethodBytes));
  const std::string path = or_dash(printable(request.path, kMaxLoggedPathBytes));
  char duration[32];
  std::snprintf(
      duration, sizeof duration, "%.3f",
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::microseconds>(request.duration).count()) /
          1000.0);

  std::string line;
  line.reserve(128 + path.size());
  if (format == AccessLogFormat::json) {
    line += "{\"time\":" + json_string(time) + ",\"peer\":" + json_string(from) +
            ",\"method\":" + json_string(method) + ",\"path\":" + json_string(path) +
            ",\"status\":" + std::to_string(request.status) +
            ",\"bytes\":" + std::to_string(request.body_bytes) + ",\"duration_ms\":" + duration +
            "}\n";
  } else {
    line += time + " " + from + " " + method + " " + path + " " + std::to_string(request.status) +
            " " + std::to_string(request.body_bytes) + " " + duration + "\n";
  }
  return line;
}

}  // namespace buildable::emulator::detail
