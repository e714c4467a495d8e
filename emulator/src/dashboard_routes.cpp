#include "dashboard_routes.hpp"

#include <algorithm>
#include <string>

#include "answers.hpp"
#include "dashboard_assets.hpp"

namespace buildable::emulator::detail {

namespace {

constexpr const char* kSecretHeader = "X-Buildable-Secret";
constexpr const char* kTokenHeader = "X-Buildable-Dashboard-Token";

// The page only talks to its own origin and never embeds anything; nothing is cached, so a
// shared machine keeps no copy of the data (nor of an old page after an emulator upgrade).
http::HttpAnswer with_common_headers(http::HttpAnswer answer) {
  answer.headers.emplace_back("Cache-Control", "no-store");
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  answer.headers.emplace_back("Referrer-Policy", "no-referrer");
  answer.headers.emplace_back("X-Frame-Options", "DENY");
  return answer;
}

http::HttpAnswer asset_answer(const DashboardAsset& asset) {
  http::HttpAnswer answer;
  answer.content_type = std::string(asset.content_type);
  answer.body = std::string(asset.content);
  answer.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  return answer;
}

// Asset file names only (no slash), so no API path is ever taken for a file.
bool is_asset_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '.' || c == '-';
  });
}

http::HttpAnswer serve_file(const http::HttpRequest& request) {
  const std::string name = request.path == "/"
                               ? "index.html"
                               : request.path.substr(std::string(kDashboardPrefix).size());
  const DashboardAsset* asset = is_asset_name(name) ? find_dashboard_asset(name) : nullptr;
  if (!asset) return error_answer(404, "not-found", "no dashboard file " + request.path);
  return asset_answer(*asset);
}

http::HttpAnswer serve_api(ServerContext& context, DashboardApi& api,
                           const http::HttpRequest& request) {
  if (request.method != "GET") return method_not_allowed(request, "GET");
  const std::string* secret = request.header(kSecretHeader);
  if (!secret) return error_answer(401, "invalid-secret", "missing X-Buildable-Secret header");
  const SecretKey* caller = context.keys.find(*secret);
  if (!caller) return error_answer(401, "invalid-secret", "unknown secret key");
  try {
    const ApiResponse response = api.handle(request.path, *caller, request.query);
    return json_answer(response.status, response.body);
  } catch (const StoreUnavailable& e) {
    return store_unavailable(e.what());
  }
}

// Trades the one-time token of the login link for its key (see DashboardLogin).
http::HttpAnswer serve_login(ServerContext& context, const http::HttpRequest& request) {
  if (request.method != "POST") return method_not_allowed(request, "POST");
  const std::string* token = request.header(kTokenHeader);
  const std::optional<SecretKey> key =
      token ? context.dashboard_login.redeem(*token) : std::nullopt;
  if (!key) {
    return error_answer(401, "invalid-token",
                        "this login link was already used or is not valid: paste a secret key");
  }
  return json_answer(
      200, {{"name", key->name}, {"environment", key->environment}, {"secret", key->secret}});
}

}  // namespace

bool is_dashboard_path(const std::string& path) {
  return path == "/" || path.rfind(kDashboardPrefix, 0) == 0;
}

bool dashboard_path_uses_store(const std::string& path) {
  const auto& endpoints = DashboardApi::endpoints();
  return std::find(endpoints.begin(), endpoints.end(), path) != endpoints.end();
}

http::HttpAnswer serve_dashboard(ServerContext& context, DashboardApi& api,
                                 const http::HttpRequest& request) {
  if (request.path == kDashboardLoginPath) {
    return with_common_headers(serve_login(context, request));
  }
  if (dashboard_path_uses_store(request.path)) {
    return with_common_headers(serve_api(context, api, request));
  }
  http::HttpAnswer file = serve_file(request);  // HEAD: the core sends the headers only
  if (file.status == 200 && request.method != "GET" && request.method != "HEAD") {
    return with_common_headers(method_not_allowed(request, "GET, HEAD"));
  }
  return with_common_headers(std::move(file));
}

}  // namespace buildable::emulator::detail
