// What the HTTP core tells the application once a request has been answered: enough for the
// access log and the metrics, nothing from the headers (so never a secret).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace buildable::emulator::detail::http {

struct AnsweredRequest {
  /// Empty when the request was refused before its head could be parsed (400, 408, 431, an
  /// overloaded server's 503).
  const std::string& method;
  const std::string& path;  ///< `target` before '?', as sent; empty like `method`
  const std::string& remote_address;
  int remote_port = 0;
  /// The answer's status; 0 when the connection was closed without one (an injected fault).
  int status = 0;
  std::size_t body_bytes = 0;  ///< body bytes written (none for HEAD or a failed write)
  /// From the request's first byte until its answer was written (or the write failed).
  std::chrono::steady_clock::duration duration{};
};

}  // namespace buildable::emulator::detail::http
