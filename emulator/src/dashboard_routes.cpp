#include "dashboard_routes.hpp"

#include <httplib.h>

#include <memory>
#include <string>

#include "dashboard_api.hpp"
#include "dashboard_assets.hpp"
#include "errors.hpp"
#include "json_text.hpp"

namespace buildable::emulator::detail {

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kSecretHeader = "X-Buildable-Secret";

// The page only talks to its own origin and never embeds anything; nothing is cached, so a
// shared machine keeps no copy of the data (nor of an old page after an emulator upgrade).
void set_common_headers(httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  set_common_headers(res);
  res.status = status;
  res.set_content(to_json_text(body), kJson);
}

void send_asset(httplib::Response& res, const DashboardAsset& asset) {
  set_common_headers(res);
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                 "img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'none'");
  res.status = 200;
  res.set_content(std::string(asset.content), std::string(asset.content_type).c_str());
}

// The caller's key, or nullptr after answering 401. The secret is never echoed or logged.
const SecretKey* authenticate(const KeyRing& keys, const httplib::Request& req,
                              httplib::Response& res) {
  if (!req.has_header(kSecretHeader)) {
    send_json(res, 401, error_body(401, "invalid-secret", "missing X-Buildable-Secret header"));
    return nullptr;
  }
  const SecretKey* key = keys.find(req.get_header_value(kSecretHeader));
  if (!key) send_json(res, 401, error_body(401, "invalid-secret", "unknown secret key"));
  return key;
}

void send_not_found(const httplib::Request& req, httplib::Response& res) {
  send_json(res, 404, error_body(404, "not-found", "no dashboard file " + req.path));
}

}  // namespace

void install_dashboard_routes(httplib::Server& server, ServerContext& context) {
  server.Get("/", [](const httplib::Request& req, httplib::Response& res) {
    if (const DashboardAsset* page = find_dashboard_asset("index.html")) {
      send_asset(res, *page);
    } else {
      send_not_found(req, res);
    }
  });
  // File names only (no slash), so the API paths below never match.
  server.Get(std::string(kDashboardPrefix) + "([A-Za-z0-9_.-]+)",
             [](const httplib::Request& req, httplib::Response& res) {
               if (const DashboardAsset* asset = find_dashboard_asset(req.matches[1].str())) {
                 send_asset(res, *asset);
               } else {
                 send_not_found(req, res);
               }
             });

  auto api = std::make_shared<DashboardApi>(context.store);
  for (const auto& endpoint : DashboardApi::endpoints()) {
    server.Get(endpoint,
               [&context, api, endpoint](const httplib::Request& req, httplib::Response& res) {
                 const SecretKey* caller = authenticate(context.keys, req, res);
                 if (!caller) return;
                 const ApiResponse response = api->handle(endpoint, *caller, req.params);
                 send_json(res, response.status, response.body);
               });
    auto not_allowed = [endpoint](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", "GET");
      send_json(res, 405,
                error_body(405, "method-not-allowed", req.method + " " + endpoint + ": use GET"));
    };
    server.Post(endpoint, not_allowed);
    server.Put(endpoint, not_allowed);
    server.Patch(endpoint, not_allowed);
    server.Delete(endpoint, not_allowed);
  }
}

}  // namespace buildable::emulator::detail
