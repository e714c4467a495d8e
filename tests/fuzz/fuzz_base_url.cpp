// Fuzzes parse_base_url and is_loopback_host. Base URLs come from the caller, not the network,
// but they reach libcurl and the http-only-for-loopback rule. Invariants: neither throws; a
// rejection says why; an accepted URL has scheme http or https, a non-empty lower-case host
// (an IPv6 literal exactly when it has a colon), a port from 1 to 65535 or none, a path that
// is empty or starts with '/' and does not end with one, and no spaces or control characters
// anywhere (libcurl would refuse them on every request); writing it back out and parsing
// again gives the same parts; a host is loopback only if it is localhost, ::1 or 127.x.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "detail/transport/url.hpp"
#include "fuzz_check.hpp"

namespace {

using buildable::detail::BaseUrl;
using buildable::detail::is_loopback_host;
using buildable::detail::parse_base_url;

std::optional<BaseUrl> parse(std::string_view text, std::string& why) {
  try {
    return parse_base_url(text, why);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("parse_base_url");
  }
}

bool loopback(std::string_view host) {
  try {
    return is_loopback_host(host);
  } catch (...) {
    FUZZ_UNEXPECTED_EXCEPTION("is_loopback_host");
  }
}

bool printable(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool lower_case(std::string_view text) {
  for (char c : text) {
    if (std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string render(const BaseUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string text = url.scheme + "://" + (ipv6 ? "[" + url.host + "]" : url.host);
  if (url.port != 0) text += ":" + std::to_string(url.port);
  return text + url.path;
}

bool same(const BaseUrl& a, const BaseUrl& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.path == b.path;
}

void check_loopback(std::string_view host) {
  if (loopback(host)) {
    FUZZ_CHECK(host == "localhost" || host == "::1" || host.substr(0, 4) == "127.");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = buildable_fuzz::as_text(data, size);
  check_loopback(text);
  std::string why;
  const auto url = parse(text, why);
  if (!url) {
    FUZZ_CHECK(!why.empty());
    return 0;
  }
  FUZZ_CHECK(url->scheme == "http" || url->scheme == "https");
  FUZZ_CHECK(!url->host.empty());
  FUZZ_CHECK(lower_case(url->host));
  FUZZ_CHECK(printable(url->host));
  FUZZ_CHECK(url->host.find_first_of("/?#@[]") == std::string::npos);
  FUZZ_CHECK(url->port == 0 || (url->port >= 1 && url->port <= 65535));
  FUZZ_CHECK(url->path.empty() || (url->path.front() == '/' && url->path.back() != '/'));
  FUZZ_CHECK(printable(url->path));
  FUZZ_CHECK(url->path.find_first_of("?#") == std::string::npos);
  check_loopback(url->host);

  const std::string again_text = render(*url);
  std::string again_why;
  const auto again = parse(again_text, again_why);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(same(*again, *url));
  return 0;
}
