#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace buildable::detail {

/// The parts of a service base URL that validation and transport care about.
struct BaseUrl {
  std::string scheme;  ///< "http" or "https", lower case
  std::string host;    ///< without brackets for IPv6
  int port = 0;        ///< 0 when not given
  std::string path;    ///< prefix without trailing slash, "" or "/prefix"
};

/// Parses `scheme://host[:port][/path]`. Returns nullopt with `why` set when the text is not
/// such a URL (user info, query and fragment are rejected: they have no place in a base URL).
std::optional<BaseUrl> parse_base_url(std::string_view text, std::string& why);

/// True for localhost, 127.0.0.0/8 and ::1.
bool is_loopback_host(std::string_view host);

}  // namespace buildable::detail
