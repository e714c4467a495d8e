// Fuzzes parse_identity (and format_identity). Invariants: it never throws; whatever it
// accepts is a real identity (platform and label without a dot, non-empty event and txKey)
// that format_identity writes back as exactly the same text; and an identity built from the
// input whose separator format_identity places first parses back to itself.
//
// Input: byte 0 picks the separator (BLD_LISTENER_SEPARATOR is set to one of a fixed few, so
// the environment never grows), the rest is the text to parse; the same rest split at NUL
// bytes gives the fields of the identity to format.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "detail/protocol/listener_identity.hpp"
#include "fuzz_check.hpp"

namespace {

using buildable::detail::format_identity;
using buildable::detail::listener_separator;
using buildable::detail::ListenerIdentity;
using buildable::detail::parse_identity;

// The default, some plausible overrides, and some that overlap the format's own characters.
constexpr std::array<const char*, 8> kSeparators = {"$$$", "|", "::", "##", "$", ".", "*.", "$.$"};

std::optional<ListenerIdentity> parse(std::string_view text, std::string_view separator) {
  try {
    return parse_identity(text, separator);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("parse_identity");
  }
}

bool same(const ListenerIdentity& a, const ListenerIdentity& b) {
  return a.platform == b.platform && a.label == b.label && a.event == b.event &&
         a.tx_key == b.tx_key;
}

/// Whatever parses is an identity that formats back to the very same text.
void check_parse(std::string_view text, const std::string& separator) {
  const auto identity = parse(text, separator);
  if (!identity) return;
  FUZZ_CHECK(identity->platform.find('.') == std::string::npos);
  FUZZ_CHECK(identity->label.find('.') == std::string::npos);
  FUZZ_CHECK(identity->platform != "*" && identity->label != "*");
  FUZZ_CHECK(!identity->event.empty());
  FUZZ_CHECK(!identity->tx_key.empty());
  FUZZ_CHECK(identity->event.find(separator) == std::string::npos);
  FUZZ_CHECK(format_identity(*identity) == text);
}

/// An identity round-trips when format_identity's separator is the first one in its text (the
/// format cannot tell `e$` + `$$$` + `tx` from `e` + `$$$` + `$tx`; the parser takes the first).
void check_format(std::string_view rest, const std::string& separator) {
  std::array<std::string, 4> fields;
  std::size_t field = 0;
  for (char c : rest) {
    if (c == '\0' && field < fields.size() - 1) {
      ++field;
    } else {
      fields[field] += c;
    }
  }
  const ListenerIdentity identity{fields[0], fields[1], fields[2], fields[3]};
  const std::string text = format_identity(identity);
  const auto parsed = parse(text, separator);
  const std::string topic_prefix = (identity.platform.empty() ? "*" : identity.platform) + "." +
                                   (identity.label.empty() ? "*" : identity.label) + ".";
  const bool unambiguous = text.find(separator) == topic_prefix.size() + identity.event.size();
  const bool expected = unambiguous && identity.platform.find('.') == std::string::npos &&
                        identity.label.find('.') == std::string::npos && identity.platform != "*" &&
                        identity.label != "*" && !identity.event.empty() &&
                        !identity.tx_key.empty();
  if (expected) {
    FUZZ_CHECK(parsed.has_value());
    FUZZ_CHECK(same(*parsed, identity));
  }
  if (parsed) FUZZ_CHECK(format_identity(*parsed) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* separator = kSeparators[data[0] % kSeparators.size()];
  setenv("BLD_LISTENER_SEPARATOR", separator, /*overwrite=*/1);
  FUZZ_CHECK(listener_separator() == separator);
  const auto rest = buildable_fuzz::as_text(data + 1, size - 1);
  check_parse(rest, separator);
  check_format(rest, separator);
  // The separator from the text itself: up to its first NUL, the rest after it.
  const auto nul = rest.find('\0');
  if (nul != std::string_view::npos) {
    const auto own = parse(rest.substr(nul + 1), rest.substr(0, nul));
    if (own) FUZZ_CHECK(!own->event.empty() && !own->tx_key.empty());
  }
  return 0;
}
