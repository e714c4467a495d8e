// SQLite storage of messages and transactions.
//
// One connection per Store, guarded by a mutex (statements prepared once and reused). A file
// database runs in WAL mode with a busy timeout, so several Stores (threads, emulator
// instances, processes) can share it; writes that read first run in BEGIN IMMEDIATE
// transactions, and the UNIQUE (message_key, tx_key) constraint makes a claim happen once.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "records.hpp"

struct sqlite3;
struct sqlite3_stmt;

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

enum class ClaimStatus { claimed, no_message, exists };
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

// ---------------------------------------------------------------------------------------------

struct ClaimResult {
  ClaimStatus status = ClaimStatus::no_message;
  TransactionRecord transaction;  // when claimed
};

enum class FinishStatus { finished, no_transaction, already_ended };
struct FinishResult {
  FinishStatus status = FinishStatus::no_transaction;
  TransactionRecord transaction;  // the updated one, or the existing one when already_ended
};

class Store {
 public:
  /// Opens (creating when missing) `path`; empty = a private in-memory database.
  /// Throws std::runtime_error on failure.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  MessageRecord insert_message(const NewMessage& message);
  QueryResult query(const QueryFilter& filter);
  /// Starts the transaction of (key, tx_key) in state processing; `environment` must match
  /// the message's.
  ClaimResult claim(const std::string& environment, const std::string& key,
                    const std::string& tx_key, const std::string& updated_by);
  /// Records the result of a processing transaction: state finished|failed, output JSON text.
  FinishResult finish(const std::string& environment, const std::string& key,
                      const std::string& tx_key, const std::string& state,
                      const std::string& output, const std::string& updated_by);
  /// Sets the state of (key, tx_key)'s transaction, creating it when missing. Returns the
  /// message, or nullopt when no message has `key` in `environment`.
  std::optional<MessageRecord> set_state(const std::string& environment, const std::string& key,
                                         const std::string& tx_key, const std::string& state,
                                         const std::string& updated_by);

  std::optional<MessageRecord> message(const std::string& key);
  std::optional<TransactionRecord> transaction(const std::string& key, const std::string& tx_key);
  std::int64_t message_count();

  // Dashboard browsing (store_browse.cpp).

  /// The dashboard's page of messages (keyset pagination, newest first) with their
  /// transactions, read in one snapshot.
  BrowsePage browse(const BrowseFilter& filter);
  /// The distinct event names of `environment`, sorted, at most `limit`.
  std::vector<std::string> event_names(const std::string& environment, std::int64_t limit);

 private:
  class Statement;
  sqlite3_stmt* prepare(const char* sql);  // cached
  void exec(const char* sql);
  std::int64_t next_created_at();
  std::optional<MessageRecord> message_locked(const std::string& key);
  std::optional<TransactionRecord> transaction_locked(const std::string& key,
                                                      const std::string& tx_key);

  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> statements_;
  std::int64_t last_created_at_ = 0;
};

}  // namespace buildable::emulator::detail
