#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace buildable::detail {

/// The four fields that identify a listener, as in the Node SDK:
/// `platform.label.event<separator>txKey`.
struct ListenerIdentity {
  std::string platform;  ///< empty = any, shown as `*`
  std::string label;     ///< empty = any, shown as `*`
  std::string event;
  std::string tx_key;
};

/// `$$$`, or the BLD_LISTENER_SEPARATOR environment variable when set and non-empty.
std::string listener_separator();

/// Formats an identity with listener_separator().
std::string format_identity(const ListenerIdentity& identity);

/// Parses a formatted identity (platform and label contain no dot; the event may). Returns
/// nullopt for text that is not an identity. Never throws.
std::optional<ListenerIdentity> parse_identity(std::string_view text, std::string_view separator);

}  // namespace buildable::detail
