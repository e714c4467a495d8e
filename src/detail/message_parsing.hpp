#pragma once

#include <buildable/message.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace buildable::detail {

/// A row of a /query answer. A row whose key is readable but whose content is not (say a
/// payload string that is not JSON) is still claimed, so it is recorded `failed` with
/// `decode_error` instead of being offered again on every poll.
struct QueryRow {
  Message message;
  std::string decode_error;  ///< empty when the row decoded fully
};

/// One page of a /query answer.
struct QueryPage {
  std::vector<QueryRow> rows;           ///< rows with a key, in the service's order
  std::vector<std::string> row_errors;  ///< why each row without a usable key was skipped
};

/// Parses a /query answer. Throws ProtocolError when the body is not JSON or has no `rows`
/// array; a row without a usable `key` is skipped and described in row_errors.
QueryPage parse_query_page(std::string_view body, const std::string& tx_key);

/// Turns one row into a Message. `payload`, `headers` and `query` may be JSON-encoded strings
/// or plain JSON; missing ones are empty objects. Throws ProtocolError for a row without a
/// string `key` or with a string-encoded field that is not valid JSON.
Message parse_message_row(const nlohmann::json& row, const std::string& tx_key);

}  // namespace buildable::detail
