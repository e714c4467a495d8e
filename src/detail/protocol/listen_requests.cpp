#include "detail/protocol/listen_requests.hpp"

namespace buildable::detail {

std::string make_query_body(const QuerySpec& spec, int page_size) {
  nlohmann::json body = {{"eventName", spec.event},
                         {"txKey", spec.tx_key},
                         {"since", spec.since_ms},
                         {"txState", "does-not-exist"},
                         {"page", 1},
                         {"pageSize", page_size}};
  if (!spec.platform.empty()) body["platform"] = spec.platform;
  if (!spec.label.empty()) body["label"] = spec.label;
  return body.dump();
}

std::string make_claim_body(const std::string& key, const std::string& tx_key,
                            const std::string& event) {
  return nlohmann::json{{"key", key}, {"txKey", tx_key}, {"eventName", event}}.dump();
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

}  // namespace buildable::detail
