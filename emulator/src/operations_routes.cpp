#include "operations_routes.hpp"

#include <memory>

#include "answers.hpp"
#include "prometheus_text.hpp"

namespace buildable::emulator::detail {

namespace {

// A reason from the database driver is for an operator's eyes; a long one is cut.
constexpr std::size_t kMaxReasonBytes = 512;

http::HttpAnswer uncached(http::HttpAnswer answer) {
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

http::HttpAnswer readiness(ServerContext& context) {
  std::string reason;
  if (context.operations.draining.load()) {
    reason = "draining: the server is stopping";
  } else {
    // The store's messages never hold a password; nothing is added to them (no location).
    reason = context.store.check_ready();
    if (reason.size() > kMaxReasonBytes) reason.resize(kMaxReasonBytes);
  }
  if (reason.empty()) return json_answer(200, {{"status", "ready"}});
  return json_answer(503, {{"status", "unavailable"}, {"reason", reason}});
}

http::HttpAnswer metrics(ServerContext& context) {
  const OperationsState& operations = context.operations;
  std::string text;
  text.reserve(16 * 1024);
  operations.metrics.write_text(text);

  const StorePoolUsage pool = context.store.pool_usage();
  write_family_head(text, "buildable_store_connections",
                    "Database connections of this server, by state (busy: serving a request).",
                    "gauge");
  write_sample(text, "buildable_store_connections", {{"state", "open"}},
               static_cast<std::uint64_t>(pool.open < 0 ? 0 : pool.open));
  write_sample(text, "buildable_store_connections", {{"state", "busy"}},
               static_cast<std::uint64_t>(pool.busy < 0 ? 0 : pool.busy));
  write_family_head(text, "buildable_store_connections_max",
                    "Most database connections this server opens at once.", "gauge");
  write_sample(text, "buildable_store_connections_max", {},
               static_cast<std::uint64_t>(pool.max < 0 ? 0 : pool.max));

  const std::int64_t open = operations.gauges.open_connections.load();
  write_family_head(text, "buildable_connections_open",
                    "HTTP connections open now (served, or being refused as overload).", "gauge");
  write_sample(text, "buildable_connections_open", {},
               static_cast<std::uint64_t>(open < 0 ? 0 : open));
  const std::int64_t in_flight = operations.gauges.requests_in_flight.load();
  write_family_head(text, "buildable_requests_in_flight",
                    "Requests received (head accepted) and not answered yet, this scrape included.",
                    "gauge");
  write_sample(text, "buildable_requests_in_flight", {},
               static_cast<std::uint64_t>(in_flight < 0 ? 0 : in_flight));

  write_family_head(text, "buildable_draining", "1 while the server drains before it stops.",
                    "gauge");
  write_sample(text, "buildable_draining", {}, std::uint64_t{operations.draining.load() ? 1u : 0u});

  if (operations.access_log) {
    write_family_head(text, "buildable_access_log_dropped_lines_total",
                      "Access log lines lost: the destination could not keep up or failed.",
                      "counter");
    write_sample(text, "buildable_access_log_dropped_lines_total", {},
                 operations.access_log->dropped());
  }

  http::HttpAnswer answer;
  answer.content_type = kPrometheusContentType;
  answer.body = std::move(text);
  return answer;
}

}  // namespace

bool is_operations_path(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

http::Work serve_operations(ServerContext& context, const http::HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return http::answer_with(uncached(method_not_allowed(request, "GET, HEAD")));
  }
  if (request.path == "/healthz") {
    return http::answer_with(uncached(json_answer(200, {{"status", "ok"}})));
  }
  // The metrics are counters and the pool's gauges: no wait, answered on the I/O thread.
  if (request.path == "/metrics") return http::answer_with(uncached(metrics(context)));
  // Every worker busy with the database: not ready for more, said at once rather than after
  // the requests queued before this probe.
  if (context.operations.gauges.waiting_for_worker.load() > 0) {
    return http::answer_with(uncached(json_answer(
        503, {{"status", "unavailable"}, {"reason", "every worker is busy with the database"}})));
  }
  http::Work work;  // asks the database: on a worker, like a handler
  work.run = [&context] { return uncached(readiness(context)); };
  return work;
}

}  // namespace buildable::emulator::detail
