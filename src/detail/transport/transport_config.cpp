#include "detail/transport/transport_config.hpp"

#include <buildable/version.hpp>
#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "detail/support/safe_text.hpp"
#include "detail/transport/url.hpp"

namespace buildable::detail {
namespace {

void append_header(HeaderList& list, const std::string& line) {
  curl_slist* extended = curl_slist_append(list.get(), line.c_str());
  if (extended == nullptr) throw std::bad_alloc();
  (void)list.release();  // the list now continues in `extended`
  list.reset(extended);
}

// Whether libcurl may send a plain-http request through a proxy: the explicit one, or one of
// the variables libcurl reads for http:// (it ignores upper-case HTTP_PROXY).
bool plain_http_proxy_possible(const ClientOptions& options) {
  if (!options.proxy.empty()) return true;
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

// The proxy as trace lines name it: its URL without user name and password, or where libcurl
// takes one from. (libcurl's no_proxy may still exempt the service; the peer shows it.)
std::string describe_proxy(const TransportConfig& config, const std::string& scheme) {
  if (config.direct) return "none, plain http is never proxied";
  if (!config.proxy.empty()) return split_proxy_url(config.proxy).shown;
  // The variables libcurl reads, in its order (it ignores upper-case HTTP_PROXY).
  const std::vector<const char*> names =
      scheme == "https"
          ? std::vector<const char*>{"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}
          : std::vector<const char*>{"http_proxy", "all_proxy", "ALL_PROXY"};
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0')
      return std::string("from the environment (") + name + ")";
  }
  return "none";
}

}  // namespace

ProxyUrlParts split_proxy_url(std::string_view url) {
  // libcurl is lenient (`http:/u:p@host`, `http:///u:p@host`, `u:p@host`, a password with '@'),
  // so this is too: a scheme is letters before ':' and '/', the host what follows the last '@'.
  std::string_view scheme;
  std::string_view rest = url;
  const auto colon = url.find(':');
  if (colon != std::string_view::npos && colon > 0 && colon + 1 < url.size() &&
      url[colon + 1] == '/' && std::isalpha(static_cast<unsigned char>(url[0])) &&
      url.substr(0, colon).find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") ==
          std::string_view::npos) {
    scheme = url.substr(0, colon);
    rest = url.substr(colon + 1);
    while (!rest.empty() && rest.front() == '/')
      rest.remove_prefix(1);
  }
  ProxyUrlParts parts;
  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    parts.credentials = std::string(rest.substr(0, at));
    rest = rest.substr(at + 1);
  }
  parts.shown =
      scheme.empty() ? std::string(rest) : std::string(scheme) + "://" + std::string(rest);
  return parts;
}

std::string without_proxy_credentials(std::string text, const TransportConfig& config) {
  if (config.proxy_credentials.empty()) return text;
  // libcurl quotes the proxy as given in some errors ("Unsupported proxy syntax in '...'").
  for (auto at = text.find(config.proxy); at != std::string::npos;
       at = text.find(config.proxy, at + config.proxy_label.size())) {
    text.replace(at, config.proxy.size(), config.proxy_label);
  }
  return redact(std::move(text), config.proxy_credentials);
}

std::size_t effective_max_response_bytes(const ClientOptions& options) {
  if (options.max_response_bytes != 0) return options.max_response_bytes;
  constexpr std::size_t kOverhead = 1024 * 1024;
  const auto page = static_cast<std::size_t>(options.page_size);
  return 2 * page * options.max_body_bytes + kOverhead;
}

std::shared_ptr<TransportConfig> TransportConfig::from_options(const ClientOptions& options) {
  auto config = std::make_shared<TransportConfig>();
  config->base_url = options.base_url;
  while (!config->base_url.empty() && config->base_url.back() == '/')
    config->base_url.pop_back();
  append_header(config->headers, "Content-Type: application/json");
  append_header(config->headers, "Accept: application/json");
  // libcurl would otherwise wait for "100 Continue" before sending larger bodies.
  append_header(config->headers, "Expect:");
  append_header(config->headers, "X-Buildable-Secret: " + options.secret);
  const std::string user_agent =
      "User-Agent: " +
      (options.user_agent.empty() ? std::string("buildable-cpp/") + kVersion : options.user_agent);
  append_header(config->headers, user_agent);
  config->connect_timeout_ms = static_cast<long>(options.connect_timeout.count());
  config->request_timeout_ms = static_cast<long>(options.request_timeout.count());
  config->ca_bundle = options.ca_bundle;
  config->proxy = options.proxy;
  config->max_connections = options.max_connections;
  config->max_idle_connection_age_s = static_cast<long>(options.max_idle_connection_age.count());
  config->max_response_bytes = effective_max_response_bytes(options);
  std::string why;
  const auto url = parse_base_url(config->base_url, why);
  config->protocols = url ? url->scheme : "https";
  config->direct = config->protocols == "http" && !options.allow_insecure_http;
  if (config->protocols == "https") append_header(config->proxy_headers, user_agent);
  config->fresh_connections =
      config->protocols == "http" && !config->direct && plain_http_proxy_possible(options);
  config->trace = options.log_level <= LogLevel::debug;
  config->proxy_credentials = split_proxy_url(options.proxy).credentials;
  config->proxy_label = describe_proxy(*config, config->protocols);
  return config;
}

}  // namespace buildable::detail
