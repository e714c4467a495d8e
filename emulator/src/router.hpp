// The emulator's application behind the HTTP core: counts every request (the operations
// endpoints only in the metrics), sends protocol paths to protocol_routes, dashboard paths to
// dashboard_routes and /healthz, /readyz, /metrics to operations_routes, and answers 404
// otherwise. Every answer goes to the metrics and the access log.
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
  void answered(const http::AnsweredRequest& request) noexcept override;

 private:
  ServerContext& context_;
  DashboardApi dashboard_api_;
};

}  // namespace buildable::emulator::detail
