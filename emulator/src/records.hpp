// The stored shapes of messages and transactions, and their JSON form on the wire.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace buildable::emulator::detail {

/// Lifetime reported in `ttl` (the emulator never expires anything): 30 days.
inline constexpr std::int64_t kTtlMs = 30LL * 24 * 60 * 60 * 1000;

struct MessageRecord {
  std::int64_t seq = 0;
  std::string id;  // `_id`
  std::string key;
  std::string environment;
  std::string platform;
  std::string label;
  std::string event_name;
  std::string payload;  // JSON text
  std::string headers;  // JSON text
  std::string query;    // JSON text
  std::int64_t created_at = 0;
  // Aggregates over the message's transactions (all txKeys).
  std::int64_t tx_total = 0;
  std::int64_t tx_processing = 0;
};

struct TransactionRecord {
  std::string id;  // `_id`
  std::string txn;
  std::string message_key;
  std::string message_id;
  std::string event_name;
  std::string tx_key;
  std::string state;    // processing | finished | failed
  std::string history;  // JSON text: array of {enterState, exitState, timestamp, updatedBy}
  std::string input;    // the message's payload, JSON text
  std::optional<std::string> output;  // JSON text once recorded
  std::int64_t created_at = 0;
  std::int64_t started_at = 0;
  std::optional<std::int64_t> ended_at;
  std::string claim_token;  // the claimant's token from /init ("" = none); never sent out
};

/// Stored JSON text as a value, or a placeholder string when it cannot be shown: nested deeper
/// than kMaxJsonDepth (a --db file written before that limit existed may hold such text, and
/// every recursive walk over it would overflow the stack) or not valid JSON. The placeholders:
/// "<stored JSON nested deeper than 512 levels: not shown>" and
/// "<stored text is not valid JSON: not shown>".
nlohmann::json stored_json(const std::string& text);
/// Stored JSON text to pass on as text: `text` itself, or the placeholder's JSON text.
std::string stored_json_text(const std::string& text);

/// How a message row carries its payload, headers and query.
enum class StoredJsonForm {
  text,   ///< JSON-encoded strings, as /query returns them
  value,  ///< JSON values, as the dashboard API returns them
};

/// A message row as /query returns it; see stored_json() for unreadable stored text.
nlohmann::json to_json(const MessageRecord& message, StoredJsonForm form = StoredJsonForm::text);
/// A Transaction object as /init, /transact return it; see stored_json() for unreadable
/// stored text.
nlohmann::json to_json(const TransactionRecord& transaction);

/// Whether `existing` is the transaction a claim with `claim_token` made and that claim may be
/// answered again: same non-empty token, still processing.
inline bool same_claim(const std::optional<TransactionRecord>& existing,
                       const std::string& claim_token) {
  return !claim_token.empty() && existing && existing->claim_token == claim_token &&
         existing->state == "processing";
}

/// The refusal of a claim with `claim_token` that found `existing`: certainly someone else's
/// (`taken`) when a token was given that `existing` does not carry.
inline bool taken_by_another(const std::optional<TransactionRecord>& existing,
                             const std::string& claim_token) {
  return !claim_token.empty() && existing && existing->claim_token != claim_token;
}

/// One history entry.
nlohmann::json history_entry(const std::string& enter_state, const std::string& exit_state,
                             std::int64_t timestamp, const std::string& updated_by);

/// `history` (a stored JSON array of entries) with `entry` appended, as JSON text. A history
/// that cannot be read, or is nested too deep to walk safely (an old or edited database),
/// starts over with `entry`.
std::string append_history(const std::string& history, const nlohmann::json& entry);

}  // namespace buildable::emulator::detail
