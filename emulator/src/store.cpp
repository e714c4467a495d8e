#include "store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "ids.hpp"

namespace buildable::emulator::detail {

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
  UNIQUE(message_key, tx_key));
-- The dashboard's transaction filters (txKey, state): counting and listing the matches.
CREATE INDEX IF NOT EXISTS transactions_by_tx_key ON transactions(tx_key, state, message_key);
CREATE INDEX IF NOT EXISTS transactions_by_state ON transactions(state, message_key);
)sql";

#define MESSAGE_COLUMNS                                                                         \
  "m.seq, m.id, m.key, m.environment, m.platform, m.label, m.event_name, m.payload, m.headers," \
  " m.query, m.created_at,"                                                                     \
  " (SELECT count(*) FROM transactions t WHERE t.message_key = m.key),"                         \
  " (SELECT count(*) FROM transactions t WHERE t.message_key = m.key AND"                       \
  " t.state = 'processing')"

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
    "SELECT " MESSAGE_COLUMNS QUERY_WHERE " ORDER BY m.created_at, m.seq LIMIT ?8 OFFSET ?9";
constexpr const char* kMessageByKey = "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.key = ?1";
#define TRANSACTION_SELECT                                                               \
  "SELECT t.id, t.txn, t.message_key, m.id, m.event_name, t.tx_key, t.state, t.history," \
  " m.payload, t.output, t.created_at, t.started_at, t.ended_at"                         \
  " FROM transactions t JOIN messages m ON m.key = t.message_key"

constexpr const char* kTransaction =
    TRANSACTION_SELECT " WHERE t.message_key = ?1 AND t.tx_key = ?2";
constexpr const char* kInsertTransaction =
    "INSERT INTO transactions(id, txn, message_key, tx_key, state, history, output, created_at,"
    " started_at, ended_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7, ?8)"
    " ON CONFLICT(message_key, tx_key) DO NOTHING";
constexpr const char* kFinishTransaction =
    "UPDATE transactions SET state = ?3, history = ?4, output = ?5, ended_at = ?6"
    " WHERE message_key = ?1 AND tx_key = ?2";
constexpr const char* kSetState =
    "UPDATE transactions SET state = ?3, history = ?4, ended_at = ?5"
    " WHERE message_key = ?1 AND tx_key = ?2";
constexpr const char* kMaxCreatedAt = "SELECT coalesce(max(created_at), 0) FROM messages";
constexpr const char* kMessageCount = "SELECT count(*) FROM messages";
constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kBeginRead = "BEGIN";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";

// --- Dashboard browsing ----------------------------------------------------------------------

constexpr const char* kTransactionsOfMessage =
    TRANSACTION_SELECT " WHERE t.message_key = ?1 ORDER BY t.started_at, t.seq";
constexpr const char* kEventNames =
    "SELECT DISTINCT event_name FROM messages WHERE environment = ?1 ORDER BY event_name"
    " LIMIT ?2";

// The dashboard's listing, one statement per combination of filters (so that each can use its
// index: `?x IS NULL OR ...` would hide the indexes from the planner). Parameters: ?1
// environment, ?2 event, ?3 txKey, ?4 state, ?5 LIKE pattern, ?6/?7 cursor createdAt/seq,
// ?8 limit; a statement binds all of them and uses those of its filters.
//
// A transaction filter (txKey, state) runs one of two ways, each costing about the same per
// row it reads (~2 us). Scanning the messages newest first and probing each one's transactions
// stops after `limit` matches: fast when matches are common among the newest, but it reads
// every non-match above them. Starting from the matching transactions (kFromTransactions)
// reads all matches whatever their age. So the first way runs only when the matches (counted
// on an index, up to that bound) are more than half of the messages: the slowest case either
// way reads about half the table.
enum BrowseFilterBit : unsigned {
  kByEvent = 1,
  kByTxKey = 2,
  kByState = 4,
  kByPayload = 8,
  kBelowCursor = 16,
  kFromTransactions = 32,
  kBrowseVariants = 64,
};

// Matching transactions, counted up to ?3: ?1 txKey, ?2 state (each statement binds both).
constexpr const char* kTransactionMatchesByTxKey =
    "SELECT count(*) FROM (SELECT 1 FROM transactions WHERE tx_key = ?1 AND ?2 IS NULL LIMIT ?3)";
constexpr const char* kTransactionMatchesByState =
    "SELECT count(*) FROM (SELECT 1 FROM transactions WHERE state = ?2 AND ?1 IS NULL LIMIT ?3)";
constexpr const char* kTransactionMatchesByBoth =
    "SELECT count(*) FROM (SELECT 1 FROM transactions WHERE tx_key = ?1 AND state = ?2 LIMIT ?3)";
// About how many messages there are (all environments), at the cost of one index descent.
constexpr const char* kMessagesUpperBound = "SELECT coalesce(max(seq), 0) FROM messages";

const char* browse_sql(unsigned filters) {
  static const auto variants = [] {
    std::vector<std::string> sql(kBrowseVariants);
    for (unsigned f = 0; f < kBrowseVariants; ++f) {
      std::string message_filters;
      if (f & kByEvent) message_filters += " AND m.event_name = ?2";
      if (f & kBelowCursor) {
        // Row-value order (created_at, seq) < (?6, ?7), written so that created_at bounds the
        // index range.
        message_filters += " AND m.created_at <= ?6 AND (m.created_at < ?6 OR m.seq < ?7)";
      }
      if (f & kByPayload) message_filters += " AND m.payload LIKE ?5 ESCAPE '\\'";
      std::string tx_filters;
      if (f & kByTxKey) tx_filters += " AND t.tx_key = ?3";
      if (f & kByState) tx_filters += " AND t.state = ?4";
      const char* newest_first = " ORDER BY m.created_at DESC, m.seq DESC";

      std::string& q = sql[f];
      if ((f & kFromTransactions) && !tx_filters.empty()) {
        // Sorts only (created_at, seq) of the matches, then reads the page's rows. One txKey
        // has one transaction per message; a state alone may match several.
        q = std::string("SELECT " MESSAGE_COLUMNS
                        " FROM messages m WHERE m.seq IN (SELECT m.seq"
                        " FROM (SELECT ") +
            ((f & kByTxKey) ? "" : "DISTINCT ") + "t.message_key FROM transactions t WHERE 1" +
            tx_filters + ") k CROSS JOIN messages m ON m.key = k.message_key" +
            " WHERE m.environment = ?1" + message_filters + newest_first + " LIMIT ?8)" +
            newest_first;
      } else {
        q = "SELECT " MESSAGE_COLUMNS " FROM messages m WHERE m.environment = ?1" + message_filters;
        if (!tx_filters.empty()) {
          q += " AND EXISTS (SELECT 1 FROM transactions t WHERE t.message_key = m.key" +
               tx_filters + ")";
        }
        q += newest_first + std::string(" LIMIT ?8");
      }
    }
    return sql;
  }();
  return variants[filters].c_str();  // stable: the statement cache is keyed by this pointer
}

// `text` as a LIKE pattern that finds it anywhere, its own % _ \ taken literally.
std::string contains_pattern(const std::string& text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

// ---------------------------------------------------------------------------------------------

#undef MESSAGE_COLUMNS
#undef QUERY_WHERE
#undef TRANSACTION_SELECT

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error("sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = sqlite3_column_text(stmt, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
}

std::optional<std::int64_t> column_optional_int(sqlite3_stmt* stmt, int column) {
  if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt, column);
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
  return t;
}

std::string append_history(const std::string& history, const nlohmann::json& entry) {
  auto array = nlohmann::json::parse(history, nullptr, false);
  if (!array.is_array()) array = nlohmann::json::array();
  array.push_back(entry);
  return array.dump();
}

}  // namespace

// Binds parameters to a cached statement and resets it when done.
class Store::Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value) {
    check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind(int index, const std::optional<std::string>& value) {
    if (value) return bind(index, *value);
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  Statement& bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  /// true = a row is available, false = done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  void run() {
    while (step()) {
    }
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

Store::Store(const std::string& path) {
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
    exec(kBegin);
    try {
      exec(kSchema);
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

Store::~Store() {
  for (auto& [sql, stmt] : statements_)
    sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* Store::prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    fail(db_, std::string("prepare ") + sql);
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

void Store::exec(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(std::string("sqlite: ") + sql + ": " + why);
  }
}

namespace {

// BEGIN ... COMMIT, rolled back when left by an exception or early return.
class Transaction {
 public:
  Transaction(sqlite3* db, const char* begin) : db_(db) {
    char* error = nullptr;
    if (sqlite3_exec(db_, begin, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string why = error ? error : "unknown error";
      sqlite3_free(error);
      throw std::runtime_error("sqlite: begin: " + why);
    }
  }
  ~Transaction() {
    if (open_) sqlite3_exec(db_, kRollback, nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    if (sqlite3_exec(db_, kCommit, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, "commit");
    open_ = false;
  }

 private:
  sqlite3* db_;
  bool open_ = true;
};

}  // namespace

std::int64_t Store::next_created_at() {
  // Never behind the previous message, but never ahead of the clock either: a `since` taken
  // from the wall clock must not see messages stored before it. Ties are ordered by seq.
  last_created_at_ = std::max(now_ms(), last_created_at_);
  return last_created_at_;
}

MessageRecord Store::insert_message(const NewMessage& message) {
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

QueryResult Store::query(const QueryFilter& filter) {
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

std::optional<MessageRecord> Store::message_locked(const std::string& key) {
  Statement select(db_, prepare(kMessageByKey));
  select.bind(1, key);
  if (!select.step()) return std::nullopt;
  return read_message(select.get());
}

std::optional<TransactionRecord> Store::transaction_locked(const std::string& key,
                                                           const std::string& tx_key) {
  Statement select(db_, prepare(kTransaction));
  select.bind(1, key).bind(2, tx_key);
  if (!select.step()) return std::nullopt;
  return read_transaction(select.get());
}

ClaimResult Store::claim(const std::string& environment, const std::string& key,
                         const std::string& tx_key, const std::string& updated_by) {
  std::lock_guard lock(mutex_);
  ClaimResult result;
  Transaction tx(db_, kBegin);
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
      .run();
  if (sqlite3_changes(db_) == 0) {
    result.status = ClaimStatus::exists;
    return result;
  }
  result.transaction = *transaction_locked(key, tx_key);
  tx.commit();
  result.status = ClaimStatus::claimed;
  return result;
}

FinishResult Store::finish(const std::string& environment, const std::string& key,
                           const std::string& tx_key, const std::string& state,
                           const std::string& output, const std::string& updated_by) {
  std::lock_guard lock(mutex_);
  FinishResult result;
  Transaction tx(db_, kBegin);
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

std::optional<MessageRecord> Store::set_state(const std::string& environment,
                                              const std::string& key, const std::string& tx_key,
                                              const std::string& state,
                                              const std::string& updated_by) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_, kBegin);
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

std::optional<MessageRecord> Store::message(const std::string& key) {
  std::lock_guard lock(mutex_);
  return message_locked(key);
}

std::optional<TransactionRecord> Store::transaction(const std::string& key,
                                                    const std::string& tx_key) {
  std::lock_guard lock(mutex_);
  return transaction_locked(key, tx_key);
}

std::int64_t Store::message_count() {
  std::lock_guard lock(mutex_);
  Statement count(db_, prepare(kMessageCount));
  return count.step() ? sqlite3_column_int64(count.get(), 0) : 0;
}

// --- Dashboard browsing ----------------------------------------------------------------------

BrowsePage Store::browse(const BrowseFilter& filter) {
  std::lock_guard lock(mutex_);
  unsigned filters = 0;
  if (filter.event_name) filters |= kByEvent;
  if (filter.tx_key) filters |= kByTxKey;
  if (filter.tx_state) filters |= kByState;
  if (filter.payload_text) filters |= kByPayload;
  if (filter.before) filters |= kBelowCursor;
  const MessageCursor cursor = filter.before.value_or(MessageCursor{});

  BrowsePage page;
  Transaction tx(db_, kBeginRead);  // one snapshot for the messages and their transactions
  if (filter.tx_key || filter.tx_state) {
    std::int64_t half_of_messages = 0;
    {
      Statement bound(db_, prepare(kMessagesUpperBound));
      if (bound.step()) half_of_messages = sqlite3_column_int64(bound.get(), 0) / 2;
    }
    const char* count_sql = !filter.tx_state ? kTransactionMatchesByTxKey
                            : !filter.tx_key ? kTransactionMatchesByState
                                             : kTransactionMatchesByBoth;
    Statement count(db_, prepare(count_sql));
    count.bind(1, filter.tx_key).bind(2, filter.tx_state).bind(3, half_of_messages + 1);
    if (count.step() && sqlite3_column_int64(count.get(), 0) <= half_of_messages) {
      filters |= kFromTransactions;
    }
  }
  {
    Statement select(db_, prepare(browse_sql(filters)));
    select.bind(1, filter.environment)
        .bind(2, filter.event_name)
        .bind(3, filter.tx_key)
        .bind(4, filter.tx_state)
        .bind(5, filter.payload_text ? std::optional(contains_pattern(*filter.payload_text))
                                     : std::nullopt)
        .bind(6, cursor.created_at)
        .bind(7, cursor.seq)
        .bind(8, filter.limit + 1);  // one more tells whether older matches exist
    while (select.step())
      page.messages.push_back(BrowsedMessage{read_message(select.get()), {}});
  }
  if (static_cast<std::int64_t>(page.messages.size()) > filter.limit) {
    page.messages.pop_back();
    page.has_more = true;
  }
  for (auto& browsed : page.messages) {
    Statement select(db_, prepare(kTransactionsOfMessage));
    select.bind(1, browsed.message.key);
    while (select.step())
      browsed.transactions.push_back(read_transaction(select.get()));
  }
  tx.commit();
  return page;
}

std::vector<std::string> Store::event_names(const std::string& environment, std::int64_t limit) {
  std::lock_guard lock(mutex_);
  Statement select(db_, prepare(kEventNames));
  select.bind(1, environment).bind(2, limit);
  std::vector<std::string> names;
  while (select.step())
    names.push_back(column_text(select.get(), 0));
  return names;
}

}  // namespace buildable::emulator::detail
