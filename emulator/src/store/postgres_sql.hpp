// What the two halves of the PostgreSQL store share (postgres_store.cpp: the protocol's
// storage; postgres_browse.cpp: the dashboard's browsing): the columns selected for a message
// and a transaction, reading those rows, and the retry loop. Private to them.
#pragma once

#include <algorithm>
#include <thread>

#include "errors.hpp"
#include "postgres_store.hpp"

// A message row as read_message() reads it: its columns, then its transaction counts (all,
// processing). Macros so that statements stay compile-time string literals (they key the
// per-connection statement cache).
#define PG_MESSAGE_COLUMNS                                                                      \
  "m.seq, m.id, m.key, m.environment, m.platform, m.label, m.event_name, m.payload, m.headers," \
  " m.query, m.created_at,"                                                                     \
  " (SELECT count(*) FROM buildable_transactions t WHERE t.message_key = m.key),"               \
  " (SELECT count(*) FROM buildable_transactions t WHERE t.message_key = m.key AND"             \
  " t.state = 'processing')"

// A transaction row as read_transaction() reads it; WHERE and ORDER BY follow.
#define PG_TRANSACTION_SELECT                                                            \
  "SELECT t.id, t.txn, t.message_key, m.id, m.event_name, t.tx_key, t.state, t.history," \
  " m.payload, t.output, t.created_at, t.started_at, t.ended_at, t.claim_token"          \
  " FROM buildable_transactions t JOIN buildable_messages m ON m.key = t.message_key"

namespace buildable::emulator::detail {

namespace postgres {

/// Row `row` of a result selecting PG_MESSAGE_COLUMNS.
MessageRecord read_message(const Result& result, int row);
/// Row `row` of a result starting with PG_TRANSACTION_SELECT.
TransactionRecord read_transaction(const Result& result, int row);

/// BEGIN ... COMMIT; an exception before commit() leaves the transaction to the pool, which
/// rolls it back before the connection is used again.
class Transaction {
 public:
  Transaction(Connection& connection, const char* begin) : connection_(connection) {
    connection_.command(begin);
  }
  void commit() { connection_.command("COMMIT"); }

 private:
  Connection& connection_;
};

inline constexpr const char* kBeginWrite = "BEGIN";
/// One snapshot for several reads.
inline constexpr const char* kBeginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

}  // namespace postgres

template <class Attempt>
auto PostgresStore::with_retries(Attempt attempt)
    -> decltype(attempt(std::declval<postgres::Connection&>(), false)) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.busy_retry_budget_ms);
  auto pause = std::chrono::milliseconds(10);
  for (bool again = false;; again = true) {
    try {
      auto lease = pool_.acquire(deadline);
      return attempt(*lease, again);
    } catch (const postgres::Error& e) {
      if (e.invalid_data()) throw RequestError(400, "invalid-value", e.what());
      if (!e.transient()) throw std::runtime_error(e.what());
      if (Clock::now() + pause >= deadline) throw StoreUnavailable(e.what());
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
  }
}

}  // namespace buildable::emulator::detail
