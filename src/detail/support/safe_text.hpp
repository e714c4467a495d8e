#pragma once
// Making text safe to show: removing the secret from it (redact) and making it safe for one log
// line (escape_text).

#include <cstddef>
#include <string>
#include <string_view>

namespace buildable::detail {

/// What redact() puts where the secret was (unless that would spell the secret again).
inline constexpr std::string_view kRedactedMarker = "<redacted>";

/// `text` with the secret made unreadable; the result never contains `secret`.
///
/// Text that does not contain `secret` (and any text when `secret` is empty) comes back
/// unchanged, so only text that really quotes the secret is edited. Otherwise every maximal
/// run of characters covered by an occurrence (overlapping and adjacent occurrences merge into
/// one run) becomes one "<redacted>". When the marker would itself spell the secret again,
/// alone or together with its neighbours (secrets such as "red" or "d><r"), a marker made only
/// of characters the secret does not contain ("***", "###", ...) is used instead: every
/// occurrence in the result would have to include a marker character, so none can exist.
std::string redact(std::string text, std::string_view secret);

/// `text` made safe for a single log line: printable ASCII and well-formed UTF-8 stay as they
/// are; line breaks and tabs become `\n`, `\r`, `\t`; every other control character, each byte
/// of malformed UTF-8, and the code points that move or hide text (C1 controls, line and
/// paragraph separators, bidirectional overrides) become `\xNN` per byte. Backslashes are kept,
/// so escaping escaped text changes nothing. When the result would exceed `max_bytes`, it is cut
/// at a character boundary and ends with "..." (the whole stays within `max_bytes`, which
/// should be at least 3).
std::string escape_text(std::string_view text, std::size_t max_bytes = std::string::npos);

}  // namespace buildable::detail
