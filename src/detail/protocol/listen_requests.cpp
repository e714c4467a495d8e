#include "detail/protocol/listen_requests.hpp"

#include <exception>
#include <utility>

#include "detail/support/json_depth.hpp"

namespace buildable::detail {

std::string make_query_body(const QuerySpec& spec, int page_size) {
  return make_query_body(spec, page_size, "does-not-exist", 1);
}

std::string make_query_body(const QuerySpec& spec, int page_size, std::string_view tx_state,
                            std::int64_t page) {
  nlohmann::json body = {
      {"eventName", spec.event}, {"txKey", spec.tx_key}, {"since", spec.since_ms},
      {"txState", tx_state},     {"page", page},         {"pageSize", page_size}};
  if (!spec.platform.empty()) body["platform"] = spec.platform;
  if (!spec.label.empty()) body["label"] = spec.label;
  return body.dump();
}

std::string make_claim_body(const std::string& key, const std::string& tx_key,
                            const std::string& event, const std::string& claim_token) {
  return nlohmann::json{
      {"key", key}, {"txKey", tx_key}, {"eventName", event}, {"claimToken", claim_token}}
      .dump();
}

std::string make_record_body(const std::string& key, const std::string& tx_key,
                             const std::string& event, const nlohmann::json& output, bool failed) {
  return nlohmann::json{{"key", key},
                        {"txKey", tx_key},
                        {"eventName", event},
                        {"output", output},
                        {"state", failed ? "failed" : "finished"}}
      .dump();
}

RecordRequest make_checked_record_body(const std::string& key, const std::string& tx_key,
                                       const std::string& event, const nlohmann::json& output,
                                       bool failed, std::size_t max_body_bytes,
                                       std::string_view subject) {
  RecordRequest request;
  const std::string what(subject);
  switch (find_defect(output, kMaxSentJsonDepth)) {
    case JsonDefect::too_deep:
      request.unsendable = what + " nests arrays and objects deeper than " +
                           std::to_string(kMaxSentJsonDepth) + " levels";
      return request;
    case JsonDefect::discarded:
      request.unsendable = what + " holds a discarded value, which is not JSON";
      return request;
    case JsonDefect::none:
      break;
  }
  try {
    request.body = share_body(make_record_body(key, tx_key, event, output, failed));
  } catch (const std::exception& e) {
    request.unsendable = what + " is not valid JSON: " + e.what();
    return request;
  }
  if (request.body->size() > max_body_bytes) {
    request.unsendable = what + " makes a /transact body of " +
                         std::to_string(request.body->size()) + " bytes, over max_body_bytes (" +
                         std::to_string(max_body_bytes) + ")";
    request.body = nullptr;
  }
  return request;
}

}  // namespace buildable::detail
