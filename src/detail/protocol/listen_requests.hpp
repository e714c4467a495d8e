#pragma once
// Request bodies of the listening path: /query, /init (claim) and /transact (record).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

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

/// Claims message `key` for `tx_key`.
std::string make_claim_body(const std::string& key, const std::string& tx_key,
                            const std::string& event);

/// Records the result of a handled message: state `finished` or `failed`. Throws
/// nlohmann::json::type_error when `output` cannot be serialised (invalid UTF-8).
std::string make_record_body(const std::string& key, const std::string& tx_key,
                             const std::string& event, const nlohmann::json& output, bool failed);

}  // namespace buildable::detail
