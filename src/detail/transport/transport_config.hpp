#pragma once

#include <atomic>
#include <buildable/client_options.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "detail/transport/curl_handles.hpp"
#include "detail/transport/send_probes.hpp"

namespace buildable::detail {

/// Everything a request needs that is the same for every request of a client, computed once
/// from the options: the header list (with the secret), timeouts, TLS and proxy settings.
/// Shared read-only by every handle of the client, except the abort flag.
struct TransportConfig {
  std::string base_url;  ///< without trailing slash
  /// Content-Type, Accept, Expect (disabled), X-Buildable-Secret, User-Agent. The User-Agent
  /// travels here rather than as CURLOPT_USERAGENT, which libcurl formats anew into a
  /// separate buffer at every request (about 3,000 instructions, some 3% of a small emit).
  HeaderList headers;
  /// What a CONNECT to a proxy carries (CURLOPT_PROXYHEADER): only the User-Agent line, as
  /// CURLOPT_USERAGENT would have sent it. Set for https:// base URLs, where a proxy is
  /// reached through CONNECT; a plain-http proxy receives `headers` themselves.
  HeaderList proxy_headers;
  long connect_timeout_ms = 0;
  long request_timeout_ms = 0;
  std::string ca_bundle;
  std::string proxy;
  /// No proxy at all, not even from the environment: plain http:// (loopback unless
  /// allow_insecure_http) would hand the secret to the proxy in clear text.
  bool direct = false;
  /// A new connection for every request: plain-HTTP forward proxies commonly close the
  /// connection after each answer without saying so (tinyproxy), so reusing one races that
  /// close. Set for a plain http:// base URL when a proxy may be used (explicit or from the
  /// environment; only with allow_insecure_http).
  bool fresh_connections = false;
  /// libcurl protocol list: only the base URL's scheme, so nothing can switch to another.
  std::string protocols;
  int max_connections = 1;
  long max_idle_connection_age_s = 3;
  std::size_t max_response_bytes = 0;  ///< the effective cap, never 0
  /// Requests are traced (ClientOptions::log_level is debug): each response carries its
  /// timing, connection and peer.
  bool trace = false;
  /// Which proxy requests go through, for trace lines, without credentials.
  std::string proxy_label;
  /// The `user:password` of ClientOptions::proxy, if any: never shown (see
  /// without_proxy_credentials()).
  std::string proxy_credentials;
  /// Set by close(): every in-flight transfer aborts at its next progress callback.
  std::atomic<bool> aborting{false};
  /// What the peer acknowledged of each request in flight (see EasyRequest::on_prereq).
  mutable SendProbes send_probes;

  static std::shared_ptr<TransportConfig> from_options(const ClientOptions& options);
};

/// A proxy URL split for showing: `shown` is it without user name and password (scheme, then
/// what follows the last '@'), `credentials` what was removed (empty when none).
struct ProxyUrlParts {
  std::string shown;
  std::string credentials;
};
ProxyUrlParts split_proxy_url(std::string_view url);

/// `text` (libcurl's error text) with the proxy URL shown without credentials and the
/// credentials redacted wherever they still occur.
std::string without_proxy_credentials(std::string text, const TransportConfig& config);

/// ClientOptions::max_response_bytes, or its default when 0 (see there).
std::size_t effective_max_response_bytes(const ClientOptions& options);

}  // namespace buildable::detail
