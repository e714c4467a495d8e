// The limits every connection of the HTTP core enforces.
#pragma once

#include <chrono>
#include <cstddef>

namespace buildable::emulator::detail::http {

struct ConnectionLimits {
  /// Waiting for the first byte of a request (also between keep-alive requests).
  std::chrono::seconds idle_timeout{10};
  /// From a request's first byte until its head (request line and headers) is complete.
  std::chrono::seconds header_timeout{10};
  /// From the end of the head until the end of the body.
  std::chrono::seconds body_timeout{30};
  /// Writing one answer (a peer that does not read is cut off).
  std::chrono::seconds write_timeout{30};
  std::size_t max_head_bytes = 64 * 1024;    ///< request line and headers; above: 431
  std::size_t max_body_bytes = 1024 * 1024;  ///< after decoding chunks; above: 413
};

}  // namespace buildable::emulator::detail::http
