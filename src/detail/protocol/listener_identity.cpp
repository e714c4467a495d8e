#include "detail/protocol/listener_identity.hpp"

#include <cstdlib>

namespace buildable::detail {
namespace {

constexpr std::string_view kAny = "*";

std::string shown(const std::string& field) {
  return field.empty() ? std::string(kAny) : field;
}

std::string from_shown(std::string_view field) {
  return field == kAny ? std::string() : std::string(field);
}

}  // namespace

std::string listener_separator() {
  const char* custom = std::getenv("BLD_LISTENER_SEPARATOR");
  return custom != nullptr && *custom != '\0' ? std::string(custom) : std::string("$$$");
}

std::string format_identity(const ListenerIdentity& identity) {
  return shown(identity.platform) + "." + shown(identity.label) + "." + identity.event +
         listener_separator() + identity.tx_key;
}

std::optional<ListenerIdentity> parse_identity(std::string_view text, std::string_view separator) {
  if (separator.empty()) return std::nullopt;
  const auto split = text.find(separator);
  if (split == std::string_view::npos) return std::nullopt;
  const std::string_view topic = text.substr(0, split);
  const std::string_view tx_key = text.substr(split + separator.size());
  const auto first_dot = topic.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  const auto second_dot = topic.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  ListenerIdentity identity;
  identity.platform = from_shown(topic.substr(0, first_dot));
  identity.label = from_shown(topic.substr(first_dot + 1, second_dot - first_dot - 1));
  identity.event = std::string(topic.substr(second_dot + 1));
  identity.tx_key = std::string(tx_key);
  // format_identity() shows an empty platform or label as `*`, never as an empty segment.
  if (first_dot == 0 || second_dot == first_dot + 1) return std::nullopt;
  if (identity.event.empty() || identity.tx_key.empty()) return std::nullopt;
  return identity;
}

}  // namespace buildable::detail
