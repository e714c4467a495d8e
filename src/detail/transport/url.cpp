#include "detail/transport/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace buildable::detail {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool valid_host_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
}

/// An IPv6 literal as written between brackets: hex digits, colons and (for an embedded IPv4
/// address) dots, at least one colon, optionally a zone id after '%'.
bool valid_ipv6_literal(std::string_view text) {
  const auto percent = text.find('%');
  const std::string_view address = text.substr(0, percent);
  if (address.find(':') == std::string_view::npos) return false;
  const bool address_ok = std::all_of(address.begin(), address.end(), [](unsigned char c) {
    return std::isxdigit(c) != 0 || c == ':' || c == '.';
  });
  if (!address_ok) return false;
  if (percent == std::string_view::npos) return true;
  const std::string_view zone = text.substr(percent + 1);
  return !zone.empty() && std::all_of(zone.begin(), zone.end(), valid_host_char);
}

}  // namespace

std::optional<BaseUrl> parse_base_url(std::string_view text, std::string& why) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    why = "it has no scheme; write it as https://host[:port]";
    return std::nullopt;
  }
  BaseUrl url;
  url.scheme = lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    why = "the scheme must be https (or http for a local emulator)";
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    why = "a base URL cannot carry a query string or fragment";
    return std::nullopt;
  }
  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    why = "credentials do not belong in the URL; set ClientOptions::secret";
    return std::nullopt;
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "the IPv6 address is missing its closing ']'";
      return std::nullopt;
    }
    url.host = lower(authority.substr(1, close - 1));
    if (!url.host.empty() && !valid_ipv6_literal(url.host)) {
      why = "the text between '[' and ']' is not an IPv6 address";
      return std::nullopt;
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "unexpected text after the IPv6 address";
        return std::nullopt;
      }
      port_text = after.substr(1);
      if (port_text.empty()) port_text = "x";  // "host:" without digits is malformed
    }
  } else {
    const auto colon = authority.find(':');
    url.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) port_text = "x";
    }
    if (!std::all_of(url.host.begin(), url.host.end(), valid_host_char)) {
      why = "the host name contains characters a host name cannot have";
      return std::nullopt;
    }
  }
  if (url.host.empty()) {
    why = "it has no host";
    return std::nullopt;
  }
  if (!port_text.empty()) {
    if (!all_digits(port_text) || port_text.size() > 5 || std::stoi(std::string(port_text)) < 1 ||
        std::stoi(std::string(port_text)) > 65535) {
      why = "the port must be a number from 1 to 65535";
      return std::nullopt;
    }
    url.port = std::stoi(std::string(port_text));
  }
  if (path_start != std::string_view::npos) {
    const std::string_view path = rest.substr(path_start);
    // libcurl refuses such a URL on every request; say so now, while validating options.
    if (std::any_of(path.begin(), path.end(),
                    [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
      why = "the path contains a space or control character; percent-encode it (%20)";
      return std::nullopt;
    }
    url.path = std::string(path);
    while (!url.path.empty() && url.path.back() == '/')
      url.path.pop_back();
  }
  return url;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  if (host.find(':') != std::string_view::npos) {
    // An IPv6 literal in any spelling (0:0:0:0:0:0:0:1, ::0001, with a zone id): ::1, or
    // an IPv4-mapped address in 127.0.0.0/8. The zone names an interface, not the address.
    const std::string address(host.substr(0, host.find('%')));
    in6_addr parsed{};
    if (inet_pton(AF_INET6, address.c_str(), &parsed) != 1) return false;
    return IN6_IS_ADDR_LOOPBACK(&parsed) ||
           (IN6_IS_ADDR_V4MAPPED(&parsed) && parsed.s6_addr[12] == 127);
  }
  // A dotted quad within 127.0.0.0/8, written the one way libcurl also reads as an address:
  // inet_pton() refuses leading zeros, which libcurl reads as octal, or (with an 8 or a 9,
  // as in 127.0.0.09) as a host name to resolve, which could lead anywhere.
  in_addr parsed{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &parsed) != 1) return false;
  return ntohl(parsed.s_addr) >> 24 == 127;
}

}  // namespace buildable::detail
