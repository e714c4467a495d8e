#pragma once

#include <buildable/message.hpp>
#include <cstddef>
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

/// JSON from the network nested deeper than this many arrays/objects is refused: copying,
/// comparing or dumping a json recurses once per level, so a hostile or broken answer could
/// otherwise overflow the stack of whoever touches the message.
inline constexpr std::size_t kMaxJsonDepth = 512;

/// Parses a /query answer. Throws ProtocolError when the body is not JSON, has no `rows`
/// array or nests deeper than kMaxJsonDepth; a row without a usable `key` is skipped and
/// described in row_errors.
QueryPage parse_query_page(std::string_view body, const std::string& tx_key);

/// Turns one row (nested at most kMaxJsonDepth deep, as parse_query_page ensures) into a
/// Message. `payload`, `headers` and `query` may be JSON-encoded strings or plain JSON; missing
/// ones are empty objects. Throws ProtocolError for a row without a string `key` or with a
/// string-encoded field that is not valid JSON or nests deeper than kMaxJsonDepth.
Message parse_message_row(const nlohmann::json& row, const std::string& tx_key);

}  // namespace buildable::detail
