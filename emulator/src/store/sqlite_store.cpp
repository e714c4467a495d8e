// The SQLite store's schema and connection, and the protocol's side: inserting and querying
// messages, claiming and finishing transactions. The dashboard's browsing is sqlite_browse.cpp.
#include "sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "ids.hpp"
#include "json_text.hpp"
#include "sqlite_sql.hpp"

namespace buildable::emulator::detail {

using store_sql::fail;
using store_sql::kBeginRead;
using store_sql::kBeginWrite;
using store_sql::kCommit;
using store_sql::kRollback;
using store_sql::read_message;
using store_sql::read_transaction;
using store_sql::Transaction;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS messages(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  environment TEXT NOT NULL,
  platform TEXT NOT NULL,
  label TEXT NOT NULL,
  event_name TEXT NOT NULL,
  payload TEXT NOT NULL,
  headers TEXT NOT NULL,
  query TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_event ON messages(environment, event_name, created_at, seq);
-- The dashboard's newest-first listing of an environment without an event filter.
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(environment, created_at, seq);
CREATE TABLE IF NOT EXISTS transactions(
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  txn TEXT NOT NULL,
  message_key TEXT NOT NULL,
  tx_key TEXT NOT NULL,
  state TEXT NOT NULL,
  history TEXT NOT NULL,
  output TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  claim_token TEXT,
  UNIQUE(message_key, tx_key));
-- The dashboard's transaction filters (txKey, state): counting and listing the matches.
CREATE INDEX IF NOT EXISTS transactions_by_tx_key ON transactions(tx_key, state, message_key);
CREATE INDEX IF NOT EXISTS transactions_by_state ON transactions(state, message_key);
)sql";

// ?1 environment, ?2 event, ?3 since, ?4 platform|NULL, ?5 label|NULL, ?6 txKey,
// ?7 state|NULL (NULL = does-not-exist)
#define QUERY_WHERE                                                                        \
  " FROM messages m WHERE m.environment = ?1 AND m.event_name = ?2 AND m.created_at >= ?3" \
  " AND (?4 IS NULL OR m.platform = ?4) AND (?5 IS NULL OR m.label = ?5)"                  \
  " AND CASE WHEN ?7 IS NULL THEN NOT EXISTS (SELECT 1 FROM transactions t"                \
  " WHERE t.message_key = m.key AND t.tx_key = ?6)"                                        \
  " ELSE EXISTS (SELECT 1 FROM transactions t WHERE t.message_key = m.key"                 \
  " AND t.tx_key = ?6 AND t.state = ?7) END"

constexpr const char* kInsertMessage =
    "INSERT INTO messages(id, key, environment, platform, label, event_name, payload, headers,"
    " query, created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr const char* kCount = "SELECT count(*)" QUERY_WHERE;
constexpr const char* kPage =
    "SELECT " STORE_MESSAGE_COLUMNS QUERY_WHERE " ORDER BY m.created_at, m.seq LIMIT ?8 OFFSET ?9";
constexpr const char* kMessageByKey =
    "SELECT " STORE_MESSAGE_COLUMNS " FROM messages m WHERE m.key = ?1";
constexpr const char* kTransaction =
    STORE_TRANSACTION_SELECT " WHERE t.message_key = ?1 AND t.tx_key = ?2";
constexpr const char* kInsertTransaction =
    "INSERT INTO transactions(id, txn, message_key, tx_key, state, history, output, created_at,"
    " started_at, ended_at, claim_token) VALUES(?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7, ?8, ?9)"
    " ON CONFLICT(message_key, tx_key) DO NOTHING";
// Databases written before claim tokens lack the column.
constexpr const char* kHasClaimToken =
    "SELECT count(*) FROM pragma_table_info('transactions') WHERE name = 'claim_token'";
constexpr const char* kAddClaimToken = "ALTER TABLE transactions ADD COLUMN claim_token TEXT";
constexpr const char* kFinishTransaction =
    "UPDATE transactions SET state = ?3, history = ?4, output = ?5, ended_at = ?6"
    " WHERE message_key = ?1 AND tx_key = ?2";
constexpr const char* kSetState =
    "UPDATE transactions SET state = ?3, history = ?4, ended_at = ?5"
    " WHERE message_key = ?1 AND tx_key = ?2";
constexpr const char* kMaxCreatedAt = "SELECT coalesce(max(created_at), 0) FROM messages";
constexpr const char* kMessageCount = "SELECT count(*) FROM messages";

#undef QUERY_WHERE

std::optional<std::int64_t> column_optional_int(sqlite3_stmt* stmt, int column) {
  if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt, column);
}

}  // namespace

namespace store_sql {

void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = sqlite3_column_text(stmt, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

MessageRecord read_message(sqlite3_stmt* stmt) {
  MessageRecord m;
  m.seq = sqlite3_column_int64(stmt, 0);
  m.id = column_text(stmt, 1);
  m.key = column_text(stmt, 2);
  m.environment = column_text(stmt, 3);
  m.platform = column_text(stmt, 4);
  m.label = column_text(stmt, 5);
  m.event_name = column_text(stmt, 6);
  m.payload = column_text(stmt, 7);
  m.headers = column_text(stmt, 8);
  m.query = column_text(stmt, 9);
  m.created_at = sqlite3_column_int64(stmt, 10);
  m.tx_total = sqlite3_column_int64(stmt, 11);
  m.tx_processing = sqlite3_column_int64(stmt, 12);
  return m;
}

TransactionRecord read_transaction(sqlite3_stmt* stmt) {
  TransactionRecord t;
  t.id = column_text(stmt, 0);
  t.txn = column_text(stmt, 1);
  t.message_key = column_text(stmt, 2);
  t.message_id = column_text(stmt, 3);
  t.event_name = column_text(stmt, 4);
  t.tx_key = column_text(stmt, 5);
  t.state = column_text(stmt, 6);
  t.history = column_text(stmt, 7);
  t.input = column_text(stmt, 8);
  if (sqlite3_column_type(stmt, 9) != SQLITE_NULL) t.output = column_text(stmt, 9);
  t.created_at = sqlite3_column_int64(stmt, 10);
  t.started_at = sqlite3_column_int64(stmt, 11);
  t.ended_at = column_optional_int(stmt, 12);
  t.claim_token = column_text(stmt, 13);
  return t;
}

}  // namespace store_sql

SqliteStore::SqliteStore(const std::string& path) {
  const bool memory = path.empty();
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(memory ? ":memory:" : path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open database '" + path + "': " + why);
  }
  try {
    sqlite3_busy_timeout(db_, 10000);
    if (!memory) {
      // Switching to WAL needs a brief exclusive lock; retry while other processes open it too.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      for (;;) {
        char* error = nullptr;
        const int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, &error);
        sqlite3_free(error);
        if (rc == SQLITE_OK) break;
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
            std::chrono::steady_clock::now() > deadline) {
          fail(db_, "journal_mode=WAL on '" + path + "'");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      exec("PRAGMA synchronous=NORMAL");
    }
    exec(kBeginWrite);
    try {
      exec(kSchema);
      bool has_claim_token = false;
      {
        Statement check(db_, prepare(kHasClaimToken));
        has_claim_token = check.step() && sqlite3_column_int64(check.get(), 0) > 0;
      }
      if (!has_claim_token) exec(kAddClaimToken);
      exec(kCommit);
    } catch (...) {
      sqlite3_exec(db_, kRollback, nullptr, nullptr, nullptr);
      throw;
    }
    Statement max(db_, prepare(kMaxCreatedAt));
    if (max.step()) last_created_at_ = sqlite3_column_int64(max.get(), 0);
  } catch (...) {
    for (auto& [sql, stmt] : statements_)
      sqlite3_finalize(stmt);
    statements_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, stmt] : statements_)
    sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteStore::prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    fail(db_, std::string("prepare ") + sql);
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

void SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(std::string("sqlite: ") + sql + ": " + why);
  }
}

std::int64_t SqliteStore::next_created_at() {
  // Never behind the previous message, but never ahead of the clock either: a `since` taken
  // from the wall clock must not see messages stored before it. Ties are ordered by seq.
  last_created_at_ = std::max(now_ms(), last_created_at_);
  return last_created_at_;
}

MessageRecord SqliteStore::insert_message(const NewMessage& message) {
  std::lock_guard lock(mutex_);
  MessageRecord m;
  m.id = random_hex(24);
  m.key = random_hex(32);
  m.environment = message.environment;
  m.platform = message.platform;
  m.label = message.label;
  m.event_name = message.event_name;
  m.payload = message.payload;
  m.headers = message.headers;
  m.query = message.query;
  m.created_at = message.created_at ? *message.created_at : next_created_at();
  Statement insert(db_, prepare(kInsertMessage));
  insert.bind(1, m.id)
      .bind(2, m.key)
      .bind(3, m.environment)
      .bind(4, m.platform)
      .bind(5, m.label)
      .bind(6, m.event_name)
      .bind(7, m.payload)
      .bind(8, m.headers)
      .bind(9, m.query)
      .bind(10, m.created_at)
      .run();
  m.seq = sqlite3_last_insert_rowid(db_);
  return m;
}

QueryResult SqliteStore::query(const QueryFilter& filter) {
  std::lock_guard lock(mutex_);
  const std::optional<std::string> state =
      filter.tx_state == "does-not-exist" ? std::nullopt : std::optional(filter.tx_state);
  auto bind_filter = [&](Statement& stmt) {
    stmt.bind(1, filter.environment)
        .bind(2, filter.event_name)
        .bind(3, filter.since)
        .bind(4, filter.platform)
        .bind(5, filter.label)
        .bind(6, filter.tx_key)
        .bind(7, state);
  };
  QueryResult result;
  Transaction tx(db_, kBeginRead);  // one snapshot for total and rows
  {
    Statement count(db_, prepare(kCount));
    bind_filter(count);
    if (count.step()) result.total = sqlite3_column_int64(count.get(), 0);
  }
  const std::int64_t offset = (filter.page - 1) * filter.page_size;
  if (offset < result.total) {
    Statement page(db_, prepare(kPage));
    bind_filter(page);
    page.bind(8, filter.page_size).bind(9, offset);
    while (page.step())
      result.rows.push_back(read_message(page.get()));
  }
  tx.commit();
  return result;
}

std::optional<MessageRecord> SqliteStore::message_locked(const std::string& key) {
  Statement select(db_, prepare(kMessageByKey));
  select.bind(1, key);
  if (!select.step()) return std::nullopt;
  return read_message(select.get());
}

std::optional<TransactionRecord> SqliteStore::transaction_locked(const std::string& key,
                                                                 const std::string& tx_key) {
  Statement select(db_, prepare(kTransaction));
  select.bind(1, key).bind(2, tx_key);
  if (!select.step()) return std::nullopt;
  return read_transaction(select.get());
}

ClaimResult SqliteStore::claim(const std::string& environment, const std::string& key,
                               const std::string& tx_key, const std::string& updated_by,
                               const std::string& claim_token) {
  std::lock_guard lock(mutex_);
  ClaimResult result;
  Transaction tx(db_, kBeginWrite);
  auto message = message_locked(key);
  if (!message || message->environment != environment) {
    result.status = ClaimStatus::no_message;
    return result;
  }
  const std::int64_t now = now_ms();
  const std::string history =
      nlohmann::json::array({history_entry("processing", "", now, updated_by)}).dump();
  Statement insert(db_, prepare(kInsertTransaction));
  insert.bind(1, random_hex(24))
      .bind(2, random_hex(32))
      .bind(3, key)
      .bind(4, tx_key)
      .bind(5, std::string("processing"))
      .bind(6, history)
      .bind(7, now)
      .bind_null(8)
      .bind(9, claim_token.empty() ? std::nullopt : std::optional(claim_token))
      .run();
  if (sqlite3_changes(db_) == 0) {
    const auto existing = transaction_locked(key, tx_key);
    if (!same_claim(existing, claim_token)) {
      result.status =
          taken_by_another(existing, claim_token) ? ClaimStatus::taken : ClaimStatus::exists;
      return result;
    }
  }
  result.transaction = *transaction_locked(key, tx_key);
  tx.commit();
  result.status = ClaimStatus::claimed;
  return result;
}

FinishResult SqliteStore::finish(const std::string& environment, const std::string& key,
                                 const std::string& tx_key, const std::string& state,
                                 const std::string& output, const std::string& updated_by) {
  std::lock_guard lock(mutex_);
  FinishResult result;
  Transaction tx(db_, kBeginWrite);
  auto message = message_locked(key);
  if (!message || message->environment != environment) return result;
  auto existing = transaction_locked(key, tx_key);
  if (!existing) return result;
  if (existing->state != "processing") {
    result.status = FinishStatus::already_ended;
    result.transaction = std::move(*existing);
    return result;
  }
  const std::int64_t now = now_ms();
  Statement update(db_, prepare(kFinishTransaction));
  update.bind(1, key)
      .bind(2, tx_key)
      .bind(3, state)
      .bind(4, append_history(existing->history,
                              history_entry(state, existing->state, now, updated_by)))
      .bind(5, output)
      .bind(6, now)
      .run();
  result.transaction = *transaction_locked(key, tx_key);
  tx.commit();
  result.status = FinishStatus::finished;
  return result;
}

std::optional<MessageRecord> SqliteStore::set_state(const std::string& environment,
                                                    const std::string& key,
                                                    const std::string& tx_key,
                                                    const std::string& state,
                                                    const std::string& updated_by) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_, kBeginWrite);
  auto message = message_locked(key);
  if (!message || message->environment != environment) return std::nullopt;
  const std::int64_t now = now_ms();
  const bool ended = state != "processing";  // ended_at = now, else NULL
  auto existing = transaction_locked(key, tx_key);
  if (!existing) {
    Statement insert(db_, prepare(kInsertTransaction));
    insert.bind(1, random_hex(24))
        .bind(2, random_hex(32))
        .bind(3, key)
        .bind(4, tx_key)
        .bind(5, state)
        .bind(6, nlohmann::json::array({history_entry(state, "", now, updated_by)}).dump())
        .bind(7, now);
    ended ? insert.bind(8, now) : insert.bind_null(8);
    insert.run();
  } else {
    Statement update(db_, prepare(kSetState));
    update.bind(1, key).bind(2, tx_key).bind(3, state).bind(
        4,
        append_history(existing->history, history_entry(state, existing->state, now, updated_by)));
    ended ? update.bind(5, now) : update.bind_null(5);
    update.run();
  }
  auto updated = message_locked(key);
  tx.commit();
  return updated;
}

std::optional<MessageRecord> SqliteStore::message(const std::string& key) {
  std::lock_guard lock(mutex_);
  return message_locked(key);
}

std::optional<TransactionRecord> SqliteStore::transaction(const std::string& key,
                                                          const std::string& tx_key) {
  std::lock_guard lock(mutex_);
  return transaction_locked(key, tx_key);
}

std::int64_t SqliteStore::message_count() {
  std::lock_guard lock(mutex_);
  Statement count(db_, prepare(kMessageCount));
  return count.step() ? sqlite3_column_int64(count.get(), 0) : 0;
}

std::string SqliteStore::check_ready() noexcept {
  try {
    std::lock_guard lock(mutex_);
    Statement count(db_, prepare(kMessageCount));
    count.step();
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

StorePoolUsage SqliteStore::pool_usage() const noexcept {
  StorePoolUsage usage{1, 1, 1};
  if (mutex_.try_lock()) {
    usage.busy = 0;
    mutex_.unlock();
  }
  return usage;
}

}  // namespace buildable::emulator::detail
