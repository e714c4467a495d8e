#include "server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "errors.hpp"
#include "http_server.hpp"
#include "json_text.hpp"

namespace buildable::emulator::detail {

namespace {

constexpr const char* kJson = "application/json";

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(to_json_text(body), kJson);
}

void send_error(httplib::Response& res, int status, const std::string& name,
                const std::string& message) {
  send_json(res, status, error_body(status, name, message));
}

bool is_json_media_type(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type == kJson;
}

// Closes the handler's connection without a response byte. Off a connection thread (should not
// happen) the response is replaced by a body that fails right after the headers.
void break_connection(httplib::Response& res) {
  if (HttpServer::shutdown_current_connection()) {
    res.status = 500;  // never reaches the client
    return;
  }
  res.status = 500;
  res.set_content_provider(1, kJson,
                           [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

// Sends the status and headers of `body`, then only its first half, then closes.
void send_truncated(httplib::Response& res, int status, std::string body) {
  auto shared = std::make_shared<const std::string>(std::move(body));
  res.status = status;
  res.set_content_provider(shared->size(), kJson,
                           [shared](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                             const std::size_t half = shared->size() / 2;
                             if (offset < half) sink.write(shared->data() + offset, half - offset);
                             return false;  // abort: the connection is closed
                           });
}

// Everything before the protocol logic: auth, content type, JSON.
ApiResponse process(ServerContext& context, const std::string& endpoint,
                    const httplib::Request& req) {
  if (!req.has_header("X-Buildable-Secret")) {
    return {401, error_body(401, "invalid-secret", "missing X-Buildable-Secret header")};
  }
  const SecretKey* key = context.keys.find(req.get_header_value("X-Buildable-Secret"));
  if (!key) return {401, error_body(401, "invalid-secret", "unknown secret key")};
  if (!is_json_media_type(req.get_header_value("Content-Type"))) {
    return {415,
            error_body(415, "unsupported-media-type", "Content-Type must be application/json")};
  }
  const ParsedBody body = parse_request_json(req.body);
  if (body.status == ParsedBody::Status::too_deep) {
    return {400, error_body(400, "too-deep",
                            "the body nests arrays and objects deeper than " +
                                std::to_string(kMaxJsonDepth) + " levels")};
  }
  if (body.status != ParsedBody::Status::ok) {
    return {400, error_body(400, "invalid-json", "the body is not valid JSON")};
  }
  return context.protocol.handle(endpoint, *key, body.value);
}

void serve(ServerContext& context, const std::string& endpoint, const httplib::Request& req,
           httplib::Response& res) {
  const FaultDecision decision = context.faults.decide(endpoint);
  if (decision.delay.count() > 0 && !context.shutdown.sleep_for(decision.delay)) {
    send_error(res, 503, "service-unavailable", "the emulator is shutting down");
    return;
  }
  const bool faulty = decision.fault.has_value();
  const FaultKind kind = faulty ? decision.fault->kind : FaultKind::delay;
  auto fault_is = [&](FaultKind k) { return faulty && kind == k; };
  if (fault_is(FaultKind::status_500)) {
    send_error(res, 500, "internal-error", "injected fault: 500");
    return;
  }
  if (fault_is(FaultKind::status_503)) {
    send_error(res, 503, "service-unavailable", "injected fault: 503");
    return;
  }
  if (fault_is(FaultKind::status_429)) {
    const int seconds = decision.fault->retry_after_seconds;
    res.set_header("Retry-After",
                   decision.fault->retry_after_http_date
                       ? http_date(std::chrono::system_clock::now() + std::chrono::seconds(seconds))
                       : std::to_string(seconds));
    send_error(res, 429, "rate-limited", "injected fault: 429");
    return;
  }
  if (fault_is(FaultKind::close_before_acting)) {
    break_connection(res);
    return;
  }

  ApiResponse response = process(context, endpoint, req);

  if (fault_is(FaultKind::close_after_acting)) {
    break_connection(res);
    return;
  }
  if (fault_is(FaultKind::truncate_after_acting)) {
    send_truncated(res, response.status, to_json_text(response.body));
    return;
  }
  send_json(res, response.status, response.body);
}

}  // namespace

void configure_server(httplib::Server& server, ServerContext& context,
                      const EmulatorOptions& options) {
  const auto threads = static_cast<std::size_t>(options.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(std::numeric_limits<int>::max());
  server.set_keep_alive_timeout(static_cast<time_t>(options.keep_alive_timeout.count()));
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which would let a second emulator bind the same
  // port and silently share its traffic. SO_REUSEADDR alone still allows quick restarts.
  server.set_socket_options([&context](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    context.listen_socket = static_cast<int>(sock);
  });

  server.set_pre_routing_handler([&context](const httplib::Request& req, httplib::Response&) {
    context.stats.record(req.remote_addr, req.remote_port, req.path);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every error status gets the JSON error body, also those produced by httplib itself
  // (unknown path 404, body too large 413, malformed request 400).
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.content_provider_) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        std::string message = "HTTP " + std::to_string(res.status);
        if (res.status == 404) message = "no endpoint " + req.method + " " + req.path;
        if (res.status == 400) message = "malformed HTTP request (a POST needs a Content-Length)";
        if (res.status == 413) {
          message = "the body exceeds " + std::to_string(kMaxBodyBytes) + " bytes";
        }
        send_error(res, res.status, error_name(res.status), message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "unexpected error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          message = e.what();
        } catch (...) {
        }
        send_error(res, 500, "internal-error", message);
      });
}

void install_protocol_routes(httplib::Server& server, ServerContext& context) {
  for (const auto& endpoint : Protocol::endpoints()) {
    server.Post(endpoint,
                [&context, endpoint](const httplib::Request& req, httplib::Response& res) {
                  serve(context, endpoint, req, res);
                });
    auto not_allowed = [endpoint](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", "POST");
      send_error(res, 405, "method-not-allowed", req.method + " " + endpoint + ": use POST");
    };
    server.Get(endpoint, not_allowed);
    server.Put(endpoint, not_allowed);
    server.Patch(endpoint, not_allowed);
    server.Delete(endpoint, not_allowed);
  }
}

}  // namespace buildable::emulator::detail
