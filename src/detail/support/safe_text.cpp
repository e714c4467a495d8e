#include "detail/support/safe_text.hpp"

#include <algorithm>
#include <cstdint>

namespace buildable::detail {
namespace {

/// `text` with every maximal run covered by occurrences of `secret` replaced by `marker`.
std::string mask(const std::string& text, std::string_view secret, std::string_view marker) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text[0, copied) is accounted for
  std::size_t at = text.find(secret);
  while (at != std::string::npos) {
    std::size_t run_end = at + secret.size();
    // Extend the run over every occurrence that starts inside or right after it.
    for (auto next = text.find(secret, at + 1); next != std::string::npos && next <= run_end;
         next = text.find(secret, next + 1)) {
      run_end = std::max(run_end, next + secret.size());
    }
    out.append(text, copied, at - copied);
    out.append(marker);
    copied = run_end;
    at = text.find(secret, run_end);
  }
  out.append(text, copied, std::string::npos);
  return out;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

void append_hex(std::string& out, unsigned char byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[byte >> 4];
  out += kDigits[byte & 0xf];
}

/// The length of the well-formed UTF-8 sequence starting at text[at] (2 to 4), with its code
/// point in `code_point`; 0 when the bytes there are not one.
std::size_t utf8_sequence(std::string_view text, std::size_t at, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    minimum = 0x80;
    code_point = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    minimum = 0x800;
    code_point = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    minimum = 0x10000;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(at + i) & 0x3f);
  }
  if (code_point < minimum || code_point > 0x10ffff) return 0;
  if (code_point >= 0xd800 && code_point <= 0xdfff) return 0;  // UTF-16 surrogates
  return length;
}

/// Code points that break a line or reorder, hide or restyle what a terminal shows.
bool hides_text(std::uint32_t c) {
  return (c >= 0x80 && c <= 0x9f) ||      // C1 controls (CSI, NEL, ...)
         c == 0x061c ||                   // Arabic letter mark
         c == 0x200e || c == 0x200f ||    // left-to-right / right-to-left marks
         c == 0x2028 || c == 0x2029 ||    // line / paragraph separators
         (c >= 0x202a && c <= 0x202e) ||  // bidirectional embeddings and overrides
         (c >= 0x2066 && c <= 0x2069);    // bidirectional isolates
}

/// Appends `text`, escaped, to `out` while it stays within `limit` bytes; returns whether all
/// of it fitted.
bool escape_into(std::string& out, std::string_view text, std::size_t limit) {
  std::string piece;
  for (std::size_t at = 0; at < text.size();) {
    const auto c = static_cast<unsigned char>(text[at]);
    std::size_t length = 1;
    piece.clear();
    if (c >= 0x20 && c < 0x7f) {
      piece += static_cast<char>(c);
    } else if (c == '\n') {
      piece = "\\n";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c < 0x80) {
      append_hex(piece, c);  // other C0 controls and DEL
    } else {
      std::uint32_t code_point = 0;
      length = utf8_sequence(text, at, code_point);
      if (length != 0 && !hides_text(code_point)) {
        piece.assign(text.substr(at, length));
      } else {
        if (length == 0) length = 1;  // a stray byte: escape it alone, resync after it
        for (std::size_t i = 0; i < length; ++i)
          append_hex(piece, static_cast<unsigned char>(text[at + i]));
      }
    }
    if (out.size() + piece.size() > limit) return false;
    out += piece;
    at += length;
  }
  return true;
}

}  // namespace

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty() || !contains(text, secret)) return text;
  std::string out = mask(text, secret, kRedactedMarker);
  if (!contains(out, secret)) return out;
  // The marker spells the secret again (alone or with its neighbours). A marker of characters
  // the secret lacks cannot: any occurrence in the result would have to include one of them.
  constexpr std::string_view kPreferred = "*#~^|%@+=!?";
  for (const char c : kPreferred) {
    if (!contains(secret, std::string_view(&c, 1))) return mask(text, secret, std::string(3, c));
  }
  for (char c = 0x21; c < 0x7f; ++c) {
    if (!contains(secret, std::string_view(&c, 1))) return mask(text, secret, std::string(3, c));
  }
  return std::string();  // a secret made of every printable character: show nothing at all
}

std::string escape_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  if (escape_into(out, text, max_bytes)) return out;
  constexpr std::string_view kEllipsis = "...";
  out.clear();
  escape_into(out, text, max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0);
  out += kEllipsis;
  return out;
}

}  // namespace buildable::detail
