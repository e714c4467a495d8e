// The emulator's application behind the HTTP core: counts every request, sends protocol paths
// to protocol_routes and dashboard paths to dashboard_routes, and answers 404 otherwise.
#pragma once

#include "context.hpp"
#include "dashboard_api.hpp"
#include "http/exchange.hpp"

namespace buildable::emulator::detail {

class Router final : public http::RequestHandler {
 public:
  explicit Router(ServerContext& context) : context_(context), dashboard_api_(context.store) {}

  std::optional<http::HttpAnswer> check_head(const http::HttpRequest& head) override;
  http::Work handle(http::HttpRequest request) override;
  http::HttpAnswer error(int status, const std::string& name, const std::string& message) override;

 private:
  ServerContext& context_;
  DashboardApi dashboard_api_;
};

}  // namespace buildable::emulator::detail
