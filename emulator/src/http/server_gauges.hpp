// Live counts the HTTP core keeps for the metrics: cheap atomics, read by a scrape.
#pragma once

#include <atomic>
#include <cstdint>

namespace buildable::emulator::detail::http {

struct ServerGauges {
  /// Connections open: served, or being refused as overload.
  std::atomic<std::int64_t> open_connections{0};
  /// Requests whose head was accepted and whose answer is not written yet (body being read,
  /// delay, handler, answer being written).
  std::atomic<std::int64_t> requests_in_flight{0};
  /// Requests waiting for a worker thread (HttpServerOptions::worker_threads): every worker is
  /// busy when this is above 0.
  std::atomic<std::int64_t> waiting_for_worker{0};
};

}  // namespace buildable::emulator::detail::http
