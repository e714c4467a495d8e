#pragma once
/// @file stranded.hpp
/// Stranded messages: messages left in state `processing` for a txKey, and how to resolve
/// them (Client::stranded(), Client::resolve(), Client::resolve_all(),
/// Client::handle_stranded()).
///
/// A message is stranded when it was claimed for a txKey but its result was never recorded:
/// its process died while the handler ran or before the result was recorded, a claim's answer
/// was lost (ListenerError::Kind::claim_ambiguous), recording gave up (`record`), or the
/// listener was removed or the client closed after the claim (`abandoned`). The service never
/// offers such a message to that txKey again; these calls find it and end its transaction.
///
/// The protocol cannot tell a stranded message from one whose handler is running right now
/// in some process listening with the same txKey: both are `processing`. Resolve a message
/// only when no listener of that txKey can still be handling it (it was stopped, or the
/// message is older than any handler takes: see StrandedQuery::min_age).

#include <buildable/export.hpp>
#include <buildable/message.hpp>
#include <chrono>
#include <cstddef>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace buildable {

/// StrandedQuery::limit by default: the most messages one listing holds.
inline constexpr std::size_t kDefaultStrandedLimit = 1000;
/// The highest StrandedQuery::limit accepted. Every listed message is held in memory with its
/// payload, so a listing may take up to `limit` times the size of the largest message.
inline constexpr std::size_t kMaxStrandedLimit = 100000;

/// Which stranded messages Client::stranded(), Client::resolve_all() and
/// Client::handle_stranded() look at: the messages of one event whose transaction for one
/// txKey is `processing` (POST /query with `txState: "processing"`), oldest first.
struct StrandedQuery {
  /// Plain event name, e.g. `user.created`. Required.
  std::string event;
  /// Transaction key the messages are `processing` for. Empty: kDefaultTxKey.
  std::string tx_key;
  /// Source platform, e.g. `custom`; must not contain a dot. Empty: any.
  std::string platform;
  /// Source label (the secret key's name for `custom`); must not contain a dot. Empty: any.
  std::string label;
  /// Only messages created at or after this instant. Unset: the Unix epoch, so every stored
  /// message counts (unlike ListenOptions::since, whose default is "now": a stranded message
  /// is by nature an old one).
  std::optional<std::chrono::system_clock::time_point> since;
  /// Only messages created at least this long ago (by the service's `createdAt` and this
  /// machine's clock), to leave alone messages that a running listener may still be
  /// handling. 0 (default): no bound. Must not be negative. A message without a usable
  /// `createdAt` has no known age and is never listed when this is set; a min_age reaching
  /// back before 1970 lists nothing (and sends nothing).
  std::chrono::milliseconds min_age{0};
  /// Only these message keys, when not empty (matched exactly; the listing still walks every
  /// page of the query to find them).
  std::vector<std::string> keys;
  /// The most messages one call lists (and resolves), from 1 to kMaxStrandedLimit; the
  /// oldest ones are kept. StrandedList::truncated says when more matched.
  std::size_t limit = kDefaultStrandedLimit;
};

/// One message `processing` for a txKey, as Client::stranded() lists it.
struct StrandedMessage {
  /// The message; Message::tx_key is the query's txKey. When decode_error is set, only
  /// `key`, `event`, `created_at`, `tx_key` and `raw` are filled.
  Message message;
  /// How long ago the message was created when it was listed: this machine's clock minus
  /// Message::created_at (0 when that lies in the future, or when the row had no usable
  /// `createdAt`, which leaves Message::created_at at the epoch). The protocol's /query rows carry
  /// no transaction timestamps, so this is the age of the message, not of its claim: the claim may
  /// be much younger (a listener that started with `since` in the past claims old messages).
  std::chrono::milliseconds age{0};
  /// Why the row's `payload`, `headers` or `query` could not be decoded; empty when it
  /// decoded. Client::handle_stranded() records such a message `failed` with this reason
  /// without calling the handler, as a listener does.
  std::string decode_error;
};

/// What Client::stranded() found.
struct StrandedList {
  /// The stranded messages, oldest first, each key once.
  std::vector<StrandedMessage> messages;
  /// More messages matched than StrandedQuery::limit (or the listing stopped after reading
  /// kMaxStrandedRowsScanned rows, or when the service answered a full page with the same
  /// keys as the page before, which paging further would only repeat): `messages` holds the
  /// oldest ones. Resolved messages drop
  /// out of the query, so resolving these and listing again reaches the next ones.
  bool truncated = false;
  /// Rows that were skipped because their key cannot be used safely (see the key rules in
  /// errors.hpp): why, without the key. Such messages cannot be resolved through the SDK.
  std::vector<std::string> skipped;
};

/// The most /query rows one listing reads (about 10,000 pages of 100) before it stops and
/// sets StrandedList::truncated: a bound on time and on the keys remembered to drop
/// duplicates, whatever the service answers.
inline constexpr std::size_t kMaxStrandedRowsScanned = 1000000;

/// How to end a stranded message's transaction: the state and output POST /transact records.
struct Resolution {
  /// The final state recorded.
  enum class State {
    finished,  ///< handled successfully
    failed,    ///< handling failed (or was given up)
  };
  /// The state to record.
  State state = State::finished;
  /// The transaction's output: any JSON value (`null` by default) nesting at most 511 levels
  /// of arrays and objects (the same limit as an emitted payload).
  nlohmann::json output;

  /// State `finished` with `output`.
  static Resolution finished(nlohmann::json output = nullptr) {
    return Resolution{State::finished, std::move(output)};
  }
  /// State `failed` with `output` (typically a text saying why).
  static Resolution failed(nlohmann::json output) {
    return Resolution{State::failed, std::move(output)};
  }
};

/// Name of a state: "finished" or "failed".
BUILDABLE_EXPORT const char* to_string(Resolution::State state) noexcept;

/// What became of one stranded message in Client::resolve(), Client::resolve_all() or
/// Client::handle_stranded().
struct ResolveResult {
  /// How resolving the message ended.
  enum class Status {
    recorded,       ///< the service recorded `state` with `output`
    already_ended,  ///< the transaction had already ended (409): someone else finished or
                    ///< failed it meanwhile, or an earlier attempt of this call landed and its
                    ///< answer was lost (only possible when `attempts` > 1)
    error,          ///< nothing is known to be recorded: see `error` and `exception`; the
                    ///< message most likely stays `processing`
  };
  /// The message key.
  std::string key;
  /// How it ended.
  Status status = Status::error;
  /// The state that was (or was to be) recorded.
  Resolution::State state = Resolution::State::finished;
  /// The output that was (or was to be) recorded: the Resolution's, or for handle_stranded()
  /// the handler's return value (`failed`: the exception's text, secret redacted).
  nlohmann::json output;
  /// HTTP attempts of the POST /transact (0 when none was sent).
  int attempts = 0;
  /// Status::error: what() of the exception (never contains the secret); else empty.
  std::string error;
  /// Status::error: the exception (HttpError, TransportError, ClosedError, ...), to rethrow
  /// or inspect; else null.
  std::exception_ptr exception;

  /// True unless status is Status::error: the message is no longer `processing`.
  bool ok() const noexcept { return status != Status::error; }
};

/// Name of a status: "recorded", "already_ended" or "error".
BUILDABLE_EXPORT const char* to_string(ResolveResult::Status status) noexcept;

}  // namespace buildable
