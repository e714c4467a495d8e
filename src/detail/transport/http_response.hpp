#pragma once

#include <chrono>
#include <string>

namespace buildable::detail {

/// The outcome of one HTTP attempt: either a transport failure (curl_code != 0) or a status
/// with its body.
struct HttpResponse {
  int curl_code = 0;         ///< CURLcode; 0 when an HTTP response arrived
  std::string error_detail;  ///< libcurl's error buffer when curl_code != 0
  bool maybe_sent = true;    ///< false when the request provably never left this process
  long status = 0;           ///< HTTP status when curl_code == 0
  std::string body;
  std::string retry_after;  ///< raw `Retry-After` header value, empty when absent

  // Filled only when requests are traced (TransportConfig::trace).
  std::chrono::microseconds elapsed{0};  ///< the whole attempt, connection included
  bool new_connection = false;           ///< a connection was opened for it (not reused)
  std::string peer;                      ///< address connected to ("ip:port"); a proxy's if used

  bool transport_failed() const noexcept { return curl_code != 0; }
  bool ok() const noexcept { return curl_code == 0 && status >= 200 && status < 300; }
};

}  // namespace buildable::detail
