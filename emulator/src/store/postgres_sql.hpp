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

/// A request's statements may take this long even when the retry budget is shorter.
inline constexpr std::chrono::milliseconds kMinAttempt{1000};
/// A database that does not even cancel a statement by the end of the budget (its host frozen,
/// its packets dropped) is given up on this much later.
inline constexpr std::chrono::milliseconds kGiveUpGrace{1000};
inline constexpr std::int64_t kProblemReportIntervalMs = 5000;
/// What clients are told when the database cannot serve them: never its address, user or name
/// (the details go to the server's standard error, see report_problem()).
inline constexpr const char* kUnavailable = "the database is unavailable";

/// The pool's lock_timeout and statement_timeout: the retry budget, at least kMinAttempt.
StatementLimits statement_limits(const StoreOptions& options);
/// Writes `detail` to standard error, at most once every kProblemReportIntervalMs.
void report_problem(const std::string& detail) noexcept;
/// Ends a request the database could not serve in its budget: reports `detail`, then throws
/// StoreUnavailable(`told`) (503: not done, retry) or, when an attempt may have taken effect
/// (`outcome_unknown`), std::runtime_error (500: the client must treat it as maybe done).
[[noreturn]] void give_up(const std::string& detail, bool outcome_unknown, const std::string& told);

inline constexpr const char* kBeginWrite = "BEGIN";
/// One snapshot for several reads.
inline constexpr const char* kBeginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

}  // namespace postgres

template <class Attempt>
auto PostgresStore::with_retries(Attempt attempt)
    -> decltype(attempt(std::declval<postgres::Connection&>(), false)) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(options_.busy_retry_budget_ms);
  // Statements past the budget are cancelled by the database (statement_limits()); one it does
  // not answer at all is abandoned a little later.
  const auto give_up = std::max(deadline, start + postgres::kMinAttempt) + postgres::kGiveUpGrace;
  auto pause = std::chrono::milliseconds(10);
  bool outcome_unknown = false;  // an attempt's connection died after it sent a statement
  for (bool again = false;; again = true) {
    try {
      auto lease = pool_.acquire(give_up);
      lease->set_deadline(give_up);
      return attempt(*lease, again);
    } catch (const postgres::Error& e) {
      if (e.invalid_data()) {  // the driver's text would quote the value and the statement
        throw RequestError(400, "invalid-value",
                           "the database refused a value as data (SQLSTATE " + e.sqlstate() + ")");
      }
      if (e.sqlstate() == "54000") {  // program_limit_exceeded: a value too large to index
        throw RequestError(400, "invalid-value", "a value is too large for the database");
      }
      if (!e.transient()) throw std::runtime_error(e.what());
      outcome_unknown = outcome_unknown || e.outcome_unknown();
      if (Clock::now() + pause < deadline) {
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(500));
        continue;
      }
      postgres::give_up(e.what(), outcome_unknown, postgres::kUnavailable);
    } catch (const StoreUnavailable& e) {  // every pooled connection stayed busy
      postgres::give_up(e.what(), outcome_unknown, e.what());
    }
  }
}

}  // namespace buildable::emulator::detail
