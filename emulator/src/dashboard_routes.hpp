// HTTP wiring of the dashboard, beside the protocol on the same port: the page (GET / and the
// embedded /_dashboard/<file> assets, loadable without a secret) and its read-only JSON API
// (GET /_dashboard/api/..., every call authenticated by X-Buildable-Secret).
#pragma once

#include "context.hpp"

namespace httplib {
class Server;
}

namespace buildable::emulator::detail {

/// Path prefix of everything the dashboard serves besides `/`.
inline constexpr const char* kDashboardPrefix = "/_dashboard/";

/// GET routes of the page, its assets and its API (405 JSON for other methods on the API).
void install_dashboard_routes(httplib::Server& server, ServerContext& context);

}  // namespace buildable::emulator::detail
