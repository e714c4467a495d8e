// What the two halves of the SQLite store share (sqlite_store.cpp: the protocol's storage;
// sqlite_browse.cpp: the dashboard's browsing): the columns selected for a message and a
// transaction, reading those rows, binding cached statements, and BEGIN ... COMMIT guards.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "records.hpp"
#include "sqlite_store.hpp"

// A message row as read_message() reads it: its columns, then its transaction counts (all,
// processing). Macros so that statements stay compile-time string literals.
#define STORE_MESSAGE_COLUMNS                                                                   \
  "m.seq, m.id, m.key, m.environment, m.platform, m.label, m.event_name, m.payload, m.headers," \
  " m.query, m.created_at,"                                                                     \
  " (SELECT count(*) FROM transactions t WHERE t.message_key = m.key),"                         \
  " (SELECT count(*) FROM transactions t WHERE t.message_key = m.key AND"                       \
  " t.state = 'processing')"

// A transaction row as read_transaction() reads it; WHERE and ORDER BY follow.
#define STORE_TRANSACTION_SELECT                                                         \
  "SELECT t.id, t.txn, t.message_key, m.id, m.event_name, t.tx_key, t.state, t.history," \
  " m.payload, t.output, t.created_at, t.started_at, t.ended_at, t.claim_token"          \
  " FROM transactions t JOIN messages m ON m.key = t.message_key"

namespace buildable::emulator::detail {

namespace store_sql {

inline constexpr const char* kBeginWrite = "BEGIN IMMEDIATE";
inline constexpr const char* kBeginRead = "BEGIN";
inline constexpr const char* kCommit = "COMMIT";
inline constexpr const char* kRollback = "ROLLBACK";

/// Throws std::runtime_error naming `what` and SQLite's last error on `db`.
[[noreturn]] void fail(sqlite3* db, const std::string& what);

/// A text column ("" for NULL).
std::string column_text(sqlite3_stmt* stmt, int column);

/// The current row of a statement selecting STORE_MESSAGE_COLUMNS.
MessageRecord read_message(sqlite3_stmt* stmt);
/// The current row of a statement starting with STORE_TRANSACTION_SELECT.
TransactionRecord read_transaction(sqlite3_stmt* stmt);

/// BEGIN ... COMMIT, rolled back when left by an exception or early return.
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

}  // namespace store_sql

// Binds parameters to a cached statement and resets it when done.
class SqliteStore::Statement {
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
    store_sql::fail(db_, "step");
  }
  void run() {
    while (step()) {
    }
  }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) store_sql::fail(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace buildable::emulator::detail
