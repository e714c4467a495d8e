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

/// How deeply arrays and objects nest in JSON text (brackets inside strings do not count).
/// Exact for valid JSON; the parser rejects the rest anyway.
std::size_t json_nesting_depth(std::string_view text);

/// The longest server-supplied key (message key) the SDK uses. The service's keys are 32
/// lowercase hex characters; keys from elsewhere may be longer, but not without bound.
inline constexpr std::size_t kMaxKeyLength = 256;

/// Why a server-supplied key cannot be used safely, or nullptr when it can: it must be
/// non-empty, at most kMaxKeyLength bytes of printable ASCII without spaces (no control
/// character, whitespace or non-ASCII byte, so it can never break or forge a log line), and
/// must not contain `secret` (when non-empty). Any other shape is accepted.
const char* key_problem(std::string_view key, std::string_view secret);

/// Parses a /query answer. Throws ProtocolError when the body is not JSON, has no `rows`
/// array or nests deeper than kMaxJsonDepth. A row without a usable `key` (missing, not a
/// string, or with a key_problem(), `secret` included) is skipped and described in
/// row_errors, without quoting the key: it is not claimed and not handled. `body` is taken
/// over and freed once parsed (move a large page in).
QueryPage parse_query_page(std::string body, const std::string& tx_key,
                           std::string_view secret = {});

/// Turns one row (nested at most kMaxJsonDepth deep, as parse_query_page ensures) into a
/// Message. `payload`, `headers` and `query` may be JSON-encoded strings or plain JSON; missing
/// ones are empty objects. Throws ProtocolError for a row without a string `key` or with a
/// string-encoded field that is not valid JSON or nests deeper than kMaxJsonDepth.
Message parse_message_row(const nlohmann::json& row, const std::string& tx_key);

}  // namespace buildable::detail
