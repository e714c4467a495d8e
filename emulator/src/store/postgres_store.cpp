// The PostgreSQL store's connection, migrations and the protocol's side: inserting and querying
// messages, claiming and finishing transactions. The dashboard's browsing is postgres_browse.cpp.
#include "postgres_store.hpp"

#include <atomic>
#include <cstdio>

#include "ids.hpp"
#include "postgres_schema.hpp"
#include "postgres_sql.hpp"

namespace buildable::emulator::detail {

using postgres::Connection;
using postgres::kBeginSnapshot;
using postgres::kBeginWrite;
using postgres::read_message;
using postgres::read_transaction;
using postgres::Result;
using postgres::Transaction;

namespace {

// The database's clock in milliseconds, moved forward under its row lock (see the schema).
#define PG_NEXT_CREATED_AT                                                                  \
  "UPDATE buildable_clock SET last_ms ="                                                    \
  " greatest(last_ms, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) WHERE id = 1" \
  " RETURNING last_ms"

// $1 environment, $2 event, $3 since, $4 platform|NULL, $5 label|NULL, $6 txKey,
// $7 state|NULL (NULL = does-not-exist)
#define PG_QUERY_WHERE                                                                      \
  " FROM buildable_messages m WHERE m.environment = $1 AND m.event_name = $2"               \
  " AND m.created_at >= $3 AND ($4::text IS NULL OR m.platform = $4)"                       \
  " AND ($5::text IS NULL OR m.label = $5)"                                                 \
  " AND CASE WHEN $7::text IS NULL THEN NOT EXISTS (SELECT 1 FROM buildable_transactions t" \
  " WHERE t.message_key = m.key AND t.tx_key = $6)"                                         \
  " ELSE EXISTS (SELECT 1 FROM buildable_transactions t WHERE t.message_key = m.key"        \
  " AND t.tx_key = $6 AND t.state = $7) END"

constexpr const char* kInsertMessage =
    "WITH clock AS (" PG_NEXT_CREATED_AT
    ")"
    " INSERT INTO buildable_messages(id, key, environment, platform, label, event_name, payload,"
    " headers, query, created_at)"
    " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10::bigint, clock.last_ms) FROM clock"
    " RETURNING seq, created_at";
constexpr const char* kCount = "SELECT count(*)" PG_QUERY_WHERE;
constexpr const char* kPage =
    "SELECT " PG_MESSAGE_COLUMNS PG_QUERY_WHERE " ORDER BY m.created_at, m.seq LIMIT $8 OFFSET $9";
constexpr const char* kMessageByKey =
    "SELECT " PG_MESSAGE_COLUMNS " FROM buildable_messages m WHERE m.key = $1";
constexpr const char* kTransaction =
    PG_TRANSACTION_SELECT " WHERE t.message_key = $1 AND t.tx_key = $2";
constexpr const char* kTransactionForUpdate =
    PG_TRANSACTION_SELECT " WHERE t.message_key = $1 AND t.tx_key = $2 FOR UPDATE OF t";
// The claim itself: one statement, decided by UNIQUE (message_key, tx_key).
constexpr const char* kClaim =
    "INSERT INTO buildable_transactions(id, txn, message_key, tx_key, state, history, output,"
    " created_at, started_at, ended_at, claim_token)"
    " SELECT $1, $2, m.key, $4, 'processing', $6, NULL, $7, $7, NULL, $8 FROM buildable_messages m"
    " WHERE m.key = $3 AND m.environment = $5"
    " ON CONFLICT (message_key, tx_key) DO NOTHING RETURNING txn";
constexpr const char* kInsertTransaction =
    "INSERT INTO buildable_transactions(id, txn, message_key, tx_key, state, history, output,"
    " created_at, started_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7, $8)"
    " ON CONFLICT (message_key, tx_key) DO NOTHING";
constexpr const char* kFinishTransaction =
    "UPDATE buildable_transactions SET state = $3, history = $4, output = $5, ended_at = $6"
    " WHERE message_key = $1 AND tx_key = $2";
constexpr const char* kSetState =
    "UPDATE buildable_transactions SET state = $3, history = $4, ended_at = $5"
    " WHERE message_key = $1 AND tx_key = $2";
constexpr const char* kMessageCount = "SELECT count(*) FROM buildable_messages";
constexpr const char* kPing = "SELECT 1";

#undef PG_QUERY_WHERE
#undef PG_NEXT_CREATED_AT

std::optional<MessageRecord> message_on(Connection& connection, const std::string& key) {
  const Result row = connection.run(kMessageByKey, {key});
  if (row.rows() == 0) return std::nullopt;
  return read_message(row, 0);
}

std::optional<TransactionRecord> transaction_on(Connection& connection, const std::string& key,
                                                const std::string& tx_key,
                                                const char* sql = kTransaction) {
  const Result row = connection.run(sql, {key, tx_key});
  if (row.rows() == 0) return std::nullopt;
  return read_transaction(row, 0);
}

}  // namespace

namespace postgres {

StatementLimits statement_limits(const StoreOptions& options) {
  // Cancelled by the database once the retry budget is spent (at least a second).
  const auto limit = std::chrono::milliseconds(std::max<std::int64_t>(
      options.busy_retry_budget_ms, std::chrono::milliseconds(kMinAttempt).count()));
  return StatementLimits{limit, limit};
}

void report_problem(const std::string& detail) noexcept {
  static std::atomic<std::int64_t> last_ms{0};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_ms.load();
  if (now - last < kProblemReportIntervalMs || !last_ms.compare_exchange_strong(last, now)) return;
  std::fprintf(stderr, "buildable-emulator: database: %s\n", detail.c_str());
}

void give_up(const std::string& detail, bool outcome_unknown, const std::string& told) {
  report_problem(detail);
  if (outcome_unknown) {
    throw std::runtime_error(
        "the connection to the database was lost while the request was being applied, and the "
        "database did not serve it again in time: the request may have taken effect");
  }
  throw StoreUnavailable(told);
}

MessageRecord read_message(const Result& result, int row) {
  MessageRecord m;
  m.seq = result.number(row, 0);
  m.id = result.text(row, 1);
  m.key = result.text(row, 2);
  m.environment = result.text(row, 3);
  m.platform = result.text(row, 4);
  m.label = result.text(row, 5);
  m.event_name = result.text(row, 6);
  m.payload = result.text(row, 7);
  m.headers = result.text(row, 8);
  m.query = result.text(row, 9);
  m.created_at = result.number(row, 10);
  m.tx_total = result.number(row, 11);
  m.tx_processing = result.number(row, 12);
  return m;
}

TransactionRecord read_transaction(const Result& result, int row) {
  TransactionRecord t;
  t.id = result.text(row, 0);
  t.txn = result.text(row, 1);
  t.message_key = result.text(row, 2);
  t.message_id = result.text(row, 3);
  t.event_name = result.text(row, 4);
  t.tx_key = result.text(row, 5);
  t.state = result.text(row, 6);
  t.history = result.text(row, 7);
  t.input = result.text(row, 8);
  if (!result.null(row, 9)) t.output = result.text(row, 9);
  t.created_at = result.number(row, 10);
  t.started_at = result.number(row, 11);
  t.ended_at = result.optional_number(row, 12);
  t.claim_token = result.text(row, 13);
  return t;
}

}  // namespace postgres

std::string postgres_display_name(const std::string& location) {
  return postgres::display_name(location);
}

std::vector<std::string> migrate_postgres(const std::string& location) {
  try {
    Connection connection(location, Connection::Clock::now() + std::chrono::seconds(5));
    return postgres::migrate(connection);
  } catch (const postgres::Error& e) {
    throw std::runtime_error(e.what());
  }
}

PostgresStore::PostgresStore(const std::string& location, const StoreOptions& options)
    : options_(options),
      pool_(location, options.max_connections,
            std::chrono::milliseconds(options.connect_timeout_ms),
            postgres::statement_limits(options)) {
  try {
    // On a connection of its own, without the pool's statement limits: a migration may take
    // long, and waits for another server's migration (an advisory lock) as long as it runs.
    Connection connection(
        location, Connection::Clock::now() + std::chrono::milliseconds(options.connect_timeout_ms));
    postgres::migrate(connection);
  } catch (const postgres::Error& e) {
    throw std::runtime_error(e.what());
  }
}

MessageRecord PostgresStore::insert_message(const NewMessage& message) {
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
  return with_retries([&](Connection& connection, bool again) {
    if (again) {  // the last attempt may have been stored before its connection died
      if (auto stored = message_on(connection, m.key)) return *stored;
    }
    const Result row = connection.run(
        kInsertMessage, {m.id, m.key, m.environment, m.platform, m.label, m.event_name, m.payload,
                         m.headers, m.query, message.created_at});
    if (row.rows() != 1) {  // nothing inserted: the clock's row is gone
      throw postgres::Error(
          "postgresql: the buildable_clock row is missing; restart a server to restore it", "",
          false);
    }
    MessageRecord stored = m;
    stored.seq = row.number(0, 0);
    stored.created_at = row.number(0, 1);
    return stored;
  });
}

QueryResult PostgresStore::query(const QueryFilter& filter) {
  const std::optional<std::string> state =
      filter.tx_state == "does-not-exist" ? std::nullopt : std::optional(filter.tx_state);
  return with_retries([&](Connection& connection, bool) {
    QueryResult result;
    Transaction tx(connection, kBeginSnapshot);  // one snapshot for total and rows
    result.total = connection
                       .run(kCount, {filter.environment, filter.event_name, filter.since,
                                     filter.platform, filter.label, filter.tx_key, state})
                       .number(0, 0);
    const std::int64_t offset = (filter.page - 1) * filter.page_size;
    if (offset < result.total) {
      const Result page = connection.run(
          kPage, {filter.environment, filter.event_name, filter.since, filter.platform,
                  filter.label, filter.tx_key, state, filter.page_size, offset});
      for (int row = 0; row < page.rows(); ++row)
        result.rows.push_back(read_message(page, row));
    }
    tx.commit();
    return result;
  });
}

ClaimResult PostgresStore::claim(const std::string& environment, const std::string& key,
                                 const std::string& tx_key, const std::string& updated_by,
                                 const std::string& claim_token) {
  const std::string id = random_hex(24);
  const std::string txn = random_hex(32);
  const std::int64_t now = now_ms();
  const std::string history =
      nlohmann::json::array({history_entry("processing", "", now, updated_by)}).dump();
  return with_retries([&](Connection& connection, bool) {
    ClaimResult result;
    const Result claimed = connection.run(
        kClaim,
        {id, txn, key, tx_key, environment, history, now,
         claim_token.empty() ? postgres::Param(std::nullopt) : postgres::Param(claim_token)});
    // Our own claim: this one, an attempt of this call whose answer was lost with its
    // connection (our txn), or the client's earlier claim of the same token.
    auto existing = transaction_on(connection, key, tx_key);
    if (claimed.rows() == 1 || (existing && existing->txn == txn) ||
        same_claim(existing, claim_token)) {
      result.status = ClaimStatus::claimed;
      result.transaction = std::move(*existing);
      return result;
    }
    const auto message = message_on(connection, key);
    result.status = !message || message->environment != environment ? ClaimStatus::no_message
                    : taken_by_another(existing, claim_token)       ? ClaimStatus::taken
                                                                    : ClaimStatus::exists;
    return result;
  });
}

FinishResult PostgresStore::finish(const std::string& environment, const std::string& key,
                                   const std::string& tx_key, const std::string& state,
                                   const std::string& output, const std::string& updated_by) {
  const std::int64_t now = now_ms();
  return with_retries([&](Connection& connection, bool again) {
    FinishResult result;
    Transaction tx(connection, kBeginWrite);
    auto message = message_on(connection, key);
    if (!message || message->environment != environment) return result;
    auto existing = transaction_on(connection, key, tx_key, kTransactionForUpdate);
    if (!existing) return result;
    if (existing->state != "processing") {
      // An earlier attempt of this call that committed before its connection died.
      const bool ours = again && existing->state == state && existing->output == output &&
                        existing->ended_at == now;
      result.status = ours ? FinishStatus::finished : FinishStatus::already_ended;
      result.transaction = std::move(*existing);
      return result;
    }
    connection.run(
        kFinishTransaction,
        {key, tx_key, state,
         append_history(existing->history, history_entry(state, existing->state, now, updated_by)),
         output, now});
    result.transaction = *transaction_on(connection, key, tx_key);
    tx.commit();
    result.status = FinishStatus::finished;
    return result;
  });
}

std::optional<MessageRecord> PostgresStore::set_state(const std::string& environment,
                                                      const std::string& key,
                                                      const std::string& tx_key,
                                                      const std::string& state,
                                                      const std::string& updated_by) {
  const std::int64_t now = now_ms();
  const bool ended = state != "processing";  // ended_at = now, else NULL
  return with_retries([&](Connection& connection, bool again) -> std::optional<MessageRecord> {
    Transaction tx(connection, kBeginWrite);
    auto message = message_on(connection, key);
    if (!message || message->environment != environment) return std::nullopt;
    auto existing = transaction_on(connection, key, tx_key, kTransactionForUpdate);
    if (again && existing && existing->state == state && existing->started_at <= now &&
        existing->history.find("\"timestamp\":" + std::to_string(now)) != std::string::npos) {
      return message;  // an earlier attempt of this call committed before its connection died
    }
    const postgres::Param ended_at = ended ? postgres::Param(now) : postgres::Param(std::nullopt);
    if (!existing) {
      const Result inserted =
          connection.run(kInsertTransaction,
                         {random_hex(24), random_hex(32), key, tx_key, state,
                          nlohmann::json::array({history_entry(state, "", now, updated_by)}).dump(),
                          now, ended_at});
      // A claim made meanwhile by another server: roll back and go round again.
      if (inserted.affected() == 0) {
        throw postgres::Error("postgresql: transaction created concurrently", "40001", false);
      }
    } else {
      connection.run(kSetState,
                     {key, tx_key, state,
                      append_history(existing->history,
                                     history_entry(state, existing->state, now, updated_by)),
                      ended_at});
    }
    auto updated = message_on(connection, key);
    tx.commit();
    return updated;
  });
}

std::optional<MessageRecord> PostgresStore::message(const std::string& key) {
  return with_retries([&](Connection& connection, bool) { return message_on(connection, key); });
}

std::optional<TransactionRecord> PostgresStore::transaction(const std::string& key,
                                                            const std::string& tx_key) {
  return with_retries(
      [&](Connection& connection, bool) { return transaction_on(connection, key, tx_key); });
}

std::int64_t PostgresStore::message_count() {
  return with_retries(
      [&](Connection& connection, bool) { return connection.run(kMessageCount, {}).number(0, 0); });
}

std::string PostgresStore::check_ready() noexcept {
  try {
    const auto deadline = Connection::Clock::now() + std::chrono::seconds(2);
    auto lease = pool_.acquire(deadline);
    lease->set_deadline(deadline);
    lease->run(kPing, {});
    return "";
  } catch (const std::exception& e) {
    postgres::report_problem(e.what());
    return postgres::kUnavailable;
  }
}

StorePoolUsage PostgresStore::pool_usage() const noexcept {
  return pool_.usage();
}

}  // namespace buildable::emulator::detail
