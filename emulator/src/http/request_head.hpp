// A parsed request head (Beast's) as the HttpRequest handed to the application.
#pragma once

#include <boost/beast/http/message.hpp>
#include <string>

#include "exchange.hpp"

namespace buildable::emulator::detail::http {

/// Method, target (split into path and query), headers and the peer's address; no body yet.
HttpRequest request_from_head(const boost::beast::http::request_header<>& head,
                              std::string remote_address, int remote_port);

}  // namespace buildable::emulator::detail::http
