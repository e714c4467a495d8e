// HTTP wiring of the dashboard, beside the protocol on the same port: the page (GET / and the
// embedded /_dashboard/<file> assets, loadable without a secret) and its read-only JSON API
// (GET /_dashboard/api/..., every call authenticated by X-Buildable-Secret).
#pragma once

#include <string>

#include "context.hpp"
#include "dashboard_api.hpp"
#include "http/exchange.hpp"

namespace buildable::emulator::detail {

/// Path prefix of everything the dashboard serves besides `/`.
inline constexpr const char* kDashboardPrefix = "/_dashboard/";

/// POST with `X-Buildable-Dashboard-Token: <token of the login link>` -> 200
/// {"name","environment","secret"} of the key, once; 401 `invalid-token` otherwise.
inline constexpr const char* kDashboardLoginPath = "/_dashboard/api/login";

/// True for `/` and paths under kDashboardPrefix.
bool is_dashboard_path(const std::string& path);

/// Whether serving dashboard `path` may wait on the store (the API's data endpoints); the files
/// and the login are served from memory.
bool dashboard_path_uses_store(const std::string& path);

/// Answers a request to a dashboard path: the page and its assets (GET), the API (GET, 405 for
/// other methods), the login link's token exchange (POST), 404 for unknown files.
http::HttpAnswer serve_dashboard(ServerContext& context, DashboardApi& api,
                                 const http::HttpRequest& request);

}  // namespace buildable::emulator::detail
