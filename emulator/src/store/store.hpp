// Storage of messages and transactions: what the protocol and the dashboard ask of it, and
// how a store is chosen (SQLite, the default, in sqlite_store.*; PostgreSQL in postgres_*).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "records.hpp"

namespace buildable::emulator::detail {

struct NewMessage {
  std::string environment;
  std::string platform;
  std::string label;
  std::string event_name;
  std::string payload;  // JSON text
  std::string headers = "{}";
  std::string query = "{}";
  std::optional<std::int64_t> created_at;  // default: next creation time of this Store
};

struct QueryFilter {
  std::string environment;
  std::string event_name;
  std::string tx_key;
  std::int64_t since = 0;
  std::optional<std::string> platform;
  std::optional<std::string> label;
  std::string tx_state = "does-not-exist";
  std::int64_t page = 1;
  std::int64_t page_size = 10;
};

struct QueryResult {
  std::vector<MessageRecord> rows;
  std::int64_t total = 0;
};

/// `taken`: another claimant's transaction exists, and the claim carried a token that is not
/// its (so it is certainly not the caller's own earlier claim); `exists`: a transaction exists
/// and the claim had no token, or the transaction is no longer processing.
enum class ClaimStatus { claimed, no_message, exists, taken };
// --- Dashboard browsing (read-only, newest first) -------------------------------------------

/// A position in the newest-first order (createdAt, seq): a page continues below it.
struct MessageCursor {
  std::int64_t created_at = 0;
  std::int64_t seq = 0;
};

/// What the dashboard lists. Unset fields match anything.
struct BrowseFilter {
  std::string environment;
  std::optional<std::string> event_name;
  std::optional<std::string> tx_key;        ///< messages with a transaction for this txKey
  std::optional<std::string> tx_state;      ///< ... in this state (that txKey's, when given)
  std::optional<std::string> payload_text;  ///< in the payload's JSON text, ASCII case-blind
  std::optional<MessageCursor> before;      ///< only messages older than this position
  std::int64_t limit = 50;
};

struct BrowsedMessage {
  MessageRecord message;
  std::vector<TransactionRecord> transactions;  ///< oldest first
};

struct BrowsePage {
  std::vector<BrowsedMessage> messages;  ///< newest first
  bool has_more = false;                 ///< older matches exist below the last one
};

struct ClaimResult {
  ClaimStatus status = ClaimStatus::no_message;
  TransactionRecord transaction;  // when claimed
};

enum class FinishStatus { finished, no_transaction, already_ended };
struct FinishResult {
  FinishStatus status = FinishStatus::no_transaction;
  TransactionRecord transaction;  // the updated one, or the existing one when already_ended
};

/// How a store reaches its database. SQLite uses none of it (one connection).
struct StoreOptions {
  int max_connections = 8;                    ///< pool bound (PostgreSQL)
  std::int64_t connect_timeout_ms = 5000;     ///< one connection attempt
  std::int64_t busy_retry_budget_ms = 10000;  ///< retrying conflicts and lost connections
};

struct StorePoolUsage {
  int open = 0;
  int busy = 0;
  int max = 0;
};

/// A failure of the database that says nothing about the request: unreachable, restarted,
/// overloaded, or a conflict retried until the time ran out. Nothing was changed (a write whose
/// outcome was unknown has been checked), so the server answers 503 and the client may retry.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The emulator's storage: messages and their transactions. Implementations are safe to call
/// from many threads at once; several servers may share one database (a claim still happens
/// once, and createdAt never goes back). Errors: StoreUnavailable as above, anything else
/// (std::runtime_error) is a fault of the store itself.
class Store {
 public:
  virtual ~Store() = default;

  virtual MessageRecord insert_message(const NewMessage& message) = 0;
  virtual QueryResult query(const QueryFilter& filter) = 0;
  /// Starts the transaction of (key, tx_key) in state processing; `environment` must match
  /// the message's. A non-empty `claim_token` equal to that of a transaction still
  /// processing makes the claim succeed again with that transaction (the claimant retrying a
  /// claim whose answer it lost); otherwise an existing transaction means `exists`.
  virtual ClaimResult claim(const std::string& environment, const std::string& key,
                            const std::string& tx_key, const std::string& updated_by,
                            const std::string& claim_token) = 0;
  /// Records the result of a processing transaction: state finished|failed, output JSON text.
  virtual FinishResult finish(const std::string& environment, const std::string& key,
                              const std::string& tx_key, const std::string& state,
                              const std::string& output, const std::string& updated_by) = 0;
  /// Sets the state of (key, tx_key)'s transaction, creating it when missing. Returns the
  /// message, or nullopt when no message has `key` in `environment`.
  virtual std::optional<MessageRecord> set_state(const std::string& environment,
                                                 const std::string& key, const std::string& tx_key,
                                                 const std::string& state,
                                                 const std::string& updated_by) = 0;

  virtual std::optional<MessageRecord> message(const std::string& key) = 0;
  virtual std::optional<TransactionRecord> transaction(const std::string& key,
                                                       const std::string& tx_key) = 0;
  virtual std::int64_t message_count() = 0;

  /// The dashboard's page of messages (keyset pagination, newest first) with their
  /// transactions, read in one snapshot.
  virtual BrowsePage browse(const BrowseFilter& filter) = 0;
  /// The distinct event names of `environment`, sorted, at most `limit`.
  virtual std::vector<std::string> event_names(const std::string& environment,
                                               std::int64_t limit) = 0;

  /// Whether the database answers now (a trivial statement within a short time); "" when it
  /// does, else why not. Never throws.
  virtual std::string check_ready() noexcept = 0;
  /// Connections to the database: open and busy now, and the most allowed.
  virtual StorePoolUsage pool_usage() const noexcept = 0;
};

/// Which store `location` names: a `postgresql://` or `postgres://` URL (or a libpq
/// `key=value` connection string starting with `host=`/`dbname=`/...) opens PostgreSQL;
/// anything else is a SQLite file path, and "" a private in-memory SQLite database.
bool is_postgresql_location(const std::string& location);

/// How the banner and errors name `location`: "in-memory", "<path> (SQLite, WAL)", or the
/// PostgreSQL URL without its password and parameters, "postgresql://user@host:port/db
/// (PostgreSQL)".
std::string describe_store_location(const std::string& location);

/// Opens the store named by `location` (see is_postgresql_location), applying its schema
/// migrations. Throws std::runtime_error (whose text never holds a password) on failure.
std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options = {});

/// Applies the schema migrations of the store at `location` and returns what was applied.
std::vector<std::string> migrate_store(const std::string& location);

}  // namespace buildable::emulator::detail
