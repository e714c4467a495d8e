// The protocol endpoints over HTTP (POST /emit, /query, ...): authentication and content type
// from the head alone, then JSON parsing and fault injection around Protocol::handle.
#pragma once

#include <optional>
#include <string>

#include "context.hpp"
#include "http/exchange.hpp"

namespace buildable::emulator::detail {

/// True for the path of a protocol endpoint.
bool is_protocol_path(const std::string& path);

/// Refuses a POST whose head already decides it (401 without or with an unknown secret, 415
/// for another content type), so that its body is never read. nullopt: read the body.
std::optional<http::HttpAnswer> check_protocol_head(ServerContext& context,
                                                    const http::HttpRequest& head);

/// A whole request to a protocol endpoint: 405 for other methods, else the injected faults'
/// delay and the work that applies the request.
http::Work serve_protocol(ServerContext& context, http::HttpRequest request);

}  // namespace buildable::emulator::detail
