#pragma once
// Request bodies of the listening path: /query, /init (claim) and /transact (record). The
// stranded-message calls (Client::stranded(), resolve(), ...) send the same bodies.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "detail/transport/request_body.hpp"

namespace buildable::detail {

struct QuerySpec {
  std::string event;
  std::string tx_key;
  std::string platform;  ///< empty: omitted (any)
  std::string label;     ///< empty: omitted (any)
  std::int64_t since_ms = 0;
};

/// Page 1 of the messages this txKey has not claimed yet, oldest first.
std::string make_query_body(const QuerySpec& spec, int page_size);

/// Page `page` (1-based) of the messages whose transaction for this txKey is in `tx_state`
/// (`does-not-exist`, `processing`, ...), oldest first.
std::string make_query_body(const QuerySpec& spec, int page_size, std::string_view tx_state,
                            std::int64_t page);

/// Claims message `key` for `tx_key`. `claim_token` names this claim, so that sending it again
/// after its answer was lost gets the same transaction from a server that honours it (ours);
/// servers ignore fields they do not know.
std::string make_claim_body(const std::string& key, const std::string& tx_key,
                            const std::string& event, const std::string& claim_token);

/// Records the result of a handled message: state `finished` or `failed`. Throws
/// nlohmann::json::type_error when `output` cannot be serialised (invalid UTF-8).
std::string make_record_body(const std::string& key, const std::string& tx_key,
                             const std::string& event, const nlohmann::json& output, bool failed);

/// A /transact body ready to send, or why the output cannot be sent as it is.
struct RecordRequest {
  RequestBody body;        ///< null when `unsendable` is set
  std::string unsendable;  ///< empty when the output can be sent
};

/// make_record_body() for an output of any shape, checked in this order: arrays and objects
/// nested deeper than kMaxSentJsonDepth (checked without recursion, before make_record_body
/// copies and dumps it, both recursing once per level), a value that cannot be serialised
/// (invalid UTF-8), and a body over `max_body_bytes` (the service would refuse it with 413,
/// leaving the message `processing`). `subject` names the output in the reason, e.g. "the
/// handler's output".
RecordRequest make_checked_record_body(const std::string& key, const std::string& tx_key,
                                       const std::string& event, const nlohmann::json& output,
                                       bool failed, std::size_t max_body_bytes,
                                       std::string_view subject);

}  // namespace buildable::detail
