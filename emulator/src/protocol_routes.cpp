#include "protocol_routes.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>

#include "answers.hpp"
#include "errors.hpp"
#include "json_text.hpp"

namespace buildable::emulator::detail {

namespace {

constexpr const char* kSecretHeader = "X-Buildable-Secret";

bool is_json_media_type(const std::string* content_type) {
  if (!content_type) return false;
  std::string type = content_type->substr(0, content_type->find(';'));
  type.erase(std::remove_if(type.begin(), type.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type == "application/json";
}

// The caller's key, or the 401 answer. The secret is never echoed.
const SecretKey* authenticate(ServerContext& context, const http::HttpRequest& request,
                              std::optional<http::HttpAnswer>& refusal) {
  const std::string* secret = request.header(kSecretHeader);
  if (!secret) {
    refusal = error_answer(401, "invalid-secret", "missing X-Buildable-Secret header");
    return nullptr;
  }
  const SecretKey* key = context.keys.find(*secret);
  if (!key) refusal = error_answer(401, "invalid-secret", "unknown secret key");
  return key;
}

// Auth (again: the key is needed), JSON parsing, then the protocol.
http::HttpAnswer apply(ServerContext& context, const http::HttpRequest& request) {
  std::optional<http::HttpAnswer> refusal;
  const SecretKey* key = authenticate(context, request, refusal);
  if (!key) return std::move(*refusal);
  const ParsedBody body = parse_request_json(request.body);
  if (body.status == ParsedBody::Status::too_deep) {
    return error_answer(400, "too-deep",
                        "the body nests arrays and objects deeper than " +
                            std::to_string(kMaxJsonDepth) + " levels");
  }
  if (body.status != ParsedBody::Status::ok) {
    return error_answer(400, "invalid-json", "the body is not valid JSON");
  }
  try {
    const ApiResponse response = context.protocol.handle(request.path, *key, body.value);
    return json_answer(response.status, response.body);
  } catch (const StoreUnavailable& e) {
    return store_unavailable(e.what());
  }
}

http::HttpAnswer rate_limited(const FaultRule& rule) {
  http::HttpAnswer answer = error_answer(429, "rate-limited", "injected fault: 429");
  const int seconds = rule.retry_after_seconds;
  answer.headers.emplace_back("Retry-After", rule.retry_after_http_date
                                                 ? http_date(std::chrono::system_clock::now() +
                                                             std::chrono::seconds(seconds))
                                                 : std::to_string(seconds));
  return answer;
}

// Applies the request under the fault drawn for it (if any).
http::HttpAnswer apply_with_fault(ServerContext& context, const http::HttpRequest& request,
                                  const std::optional<FaultRule>& fault) {
  if (!fault) return apply(context, request);
  switch (fault->kind) {
    case FaultKind::status_500:
      return error_answer(500, "internal-error", "injected fault: 500");
    case FaultKind::status_503:
      return error_answer(503, "service-unavailable", "injected fault: 503");
    case FaultKind::status_429:
      return rate_limited(*fault);
    case FaultKind::close_before_acting: {
      http::HttpAnswer answer;
      answer.delivery = http::Delivery::nothing;
      return answer;
    }
    case FaultKind::close_after_acting: {
      http::HttpAnswer answer = apply(context, request);
      answer.delivery = http::Delivery::nothing;
      return answer;
    }
    case FaultKind::truncate_after_acting: {
      http::HttpAnswer answer = apply(context, request);
      answer.delivery = http::Delivery::first_half;
      return answer;
    }
    case FaultKind::delay:
      break;  // delays are not a request's fault (FaultInjector::decide)
  }
  return apply(context, request);
}

}  // namespace

bool is_protocol_path(const std::string& path) {
  const auto& endpoints = Protocol::endpoints();
  return std::find(endpoints.begin(), endpoints.end(), path) != endpoints.end();
}

std::optional<http::HttpAnswer> check_protocol_head(ServerContext& context,
                                                    const http::HttpRequest& head) {
  if (head.method != "POST") return std::nullopt;  // 405 once the body is read
  std::optional<http::HttpAnswer> refusal;
  if (!authenticate(context, head, refusal)) return refusal;
  if (!is_json_media_type(head.header("Content-Type"))) {
    return error_answer(415, "unsupported-media-type", "Content-Type must be application/json");
  }
  return std::nullopt;
}

http::Work serve_protocol(ServerContext& context, http::HttpRequest request) {
  if (request.method != "POST") return http::answer_with(method_not_allowed(request, "POST"));
  http::Work work;
  const FaultDecision decision = context.faults.decide(request.path);
  work.delay = decision.delay;
  work.run = [&context, request = std::make_shared<const http::HttpRequest>(std::move(request)),
              fault = decision.fault] { return apply_with_fault(context, *request, fault); };
  return work;
}

}  // namespace buildable::emulator::detail
