// What the operations endpoints (/healthz, /readyz, /metrics) and the access log share with the
// rest of the server. Owned by the Emulator, so counters survive a stop() and start().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "access_log.hpp"
#include "http/server_gauges.hpp"
#include "request_metrics.hpp"

namespace buildable::emulator::detail {

struct OperationsState {
  RequestMetrics metrics;
  /// Set when draining starts (Emulator::begin_drain(), stop()): /readyz answers 503.
  std::atomic<bool> draining{false};
  http::ServerGauges gauges;  ///< kept by the HTTP core
  /// Opened by Emulator::start() before the server's threads exist, so they read it unlocked.
  std::unique_ptr<AccessLog> access_log;
};

}  // namespace buildable::emulator::detail
