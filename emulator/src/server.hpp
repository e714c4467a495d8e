// HTTP wiring over cpp-httplib: server settings shared by every route, and the protocol routes
// (auth, content type, JSON parsing, fault injection around Protocol::handle).
#pragma once

#include "buildable/emulator/emulator.hpp"
#include "context.hpp"

namespace httplib {
class Server;
}

namespace buildable::emulator::detail {

/// Largest request body accepted; larger ones are answered 413.
inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

/// Thread pool, keep-alive, body limit, JSON error bodies for every error status, request
/// counting. Call once, before routes are installed.
void configure_server(httplib::Server& server, ServerContext& context,
                      const EmulatorOptions& options);

/// POST routes for every protocol endpoint (and 405 for other methods on them).
void install_protocol_routes(httplib::Server& server, ServerContext& context);

}  // namespace buildable::emulator::detail
