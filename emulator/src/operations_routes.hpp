// The operations endpoints, for load balancers, orchestrators and Prometheus (no secret, not
// part of the protocol): GET /healthz (the process serves), GET /readyz (it should get
// traffic: the database answers and it is not draining), GET /metrics (text exposition).
#pragma once

#include <string>

#include "context.hpp"
#include "http/exchange.hpp"

namespace buildable::emulator::detail {

/// True for /healthz, /readyz and /metrics.
bool is_operations_path(const std::string& path);

/// Answers a request to an operations path: GET or HEAD, else 405.
http::Work serve_operations(ServerContext& context, const http::HttpRequest& request);

}  // namespace buildable::emulator::detail
