#include "router.hpp"

#include <memory>

#include "answers.hpp"
#include "dashboard_routes.hpp"
#include "operations_routes.hpp"
#include "protocol_routes.hpp"

namespace buildable::emulator::detail {

std::optional<http::HttpAnswer> Router::check_head(const http::HttpRequest& head) {
  // Probes and scrapes every few seconds would drown the request counters of EmulatorStats.
  if (!is_operations_path(head.path)) {
    context_.stats.record(head.remote_address, head.remote_port, head.path);
  }
  if (is_protocol_path(head.path)) return check_protocol_head(context_, head);
  return std::nullopt;
}

http::Work Router::handle(http::HttpRequest request) {
  if (is_protocol_path(request.path)) return serve_protocol(context_, std::move(request));
  if (is_operations_path(request.path)) return serve_operations(context_, request);
  if (!is_dashboard_path(request.path)) {
    return http::answer_with(
        error_answer(404, "not-found", "no endpoint " + request.method + " " + request.path));
  }
  http::Work work;
  work.may_block = dashboard_path_uses_store(request.path);  // the files are in memory
  work.run = [this, request = std::make_shared<const http::HttpRequest>(std::move(request))] {
    return serve_dashboard(context_, dashboard_api_, *request);
  };
  return work;
}

http::HttpAnswer Router::error(int status, const std::string& name, const std::string& message) {
  return error_answer(status, name, message);
}

void Router::answered(const http::AnsweredRequest& request) noexcept {
  context_.operations.metrics.record(request.path, request.status, request.duration);
  if (context_.operations.access_log) context_.operations.access_log->write(request);
}

}  // namespace buildable::emulator::detail
