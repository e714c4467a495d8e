#include "postgres_schema.hpp"

#include <stdexcept>

namespace buildable::emulator::detail::postgres {

namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append only: a migration, once released, never changes (databases have applied it).
constexpr Migration kMigrations[] = {
    {1, "messages and transactions", R"sql(
-- One row: the last createdAt handed out. Inserting a message moves it under a row lock held
-- until commit, so createdAt comes from the database's clock for every server, never goes
-- back, and messages become visible in (createdAt, seq) order: `since` and pages stay exact.
CREATE TABLE buildable_clock(
  id integer PRIMARY KEY CHECK (id = 1),
  last_ms bigint NOT NULL);
INSERT INTO buildable_clock VALUES (1, 0);
CREATE TABLE buildable_messages(
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  key text NOT NULL UNIQUE,
  environment text NOT NULL,
  platform text NOT NULL,
  label text NOT NULL,
  event_name text NOT NULL,
  payload text NOT NULL,
  headers text NOT NULL,
  query text NOT NULL,
  created_at bigint NOT NULL);
CREATE INDEX buildable_messages_by_event
  ON buildable_messages(environment, event_name, created_at, seq);
CREATE INDEX buildable_messages_by_time ON buildable_messages(environment, created_at, seq);
-- UNIQUE (message_key, tx_key) makes a claim happen once among any number of servers.
CREATE TABLE buildable_transactions(
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL,
  txn text NOT NULL,
  message_key text NOT NULL REFERENCES buildable_messages(key),
  tx_key text NOT NULL,
  state text NOT NULL,
  history text NOT NULL,
  output text,
  created_at bigint NOT NULL,
  started_at bigint NOT NULL,
  ended_at bigint,
  claim_token text,
  UNIQUE (message_key, tx_key));
CREATE INDEX buildable_transactions_by_tx_key
  ON buildable_transactions(tx_key, state, message_key);
CREATE INDEX buildable_transactions_by_state ON buildable_transactions(state, message_key);
)sql"},
};

constexpr const char* kCreateLedger =
    "CREATE TABLE IF NOT EXISTS buildable_schema_migrations("
    " version integer PRIMARY KEY, description text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
// Any constant both sides agree on; held until the migration's transaction ends.
constexpr const char* kLock = "SELECT pg_advisory_xact_lock(4823905710311)";
constexpr const char* kApplied =
    "SELECT coalesce(max(version), 0) FROM buildable_schema_migrations";
// The clock's row again if it went missing (a partial restore): from the newest createdAt, so
// it never goes back.
constexpr const char* kEnsureClock =
    "INSERT INTO buildable_clock SELECT 1, coalesce(max(created_at), 0) FROM buildable_messages"
    " ON CONFLICT (id) DO NOTHING";
constexpr const char* kRecord =
    "INSERT INTO buildable_schema_migrations(version, description) VALUES ($1, $2)";

}  // namespace

int schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

std::vector<std::string> migrate(Connection& connection) {
  std::vector<std::string> applied;
  connection.command("BEGIN");
  connection.command(kLock);
  connection.command(kCreateLedger);
  const std::int64_t current = connection.command(kApplied).number(0, 0);
  if (current > schema_version()) {
    connection.command("ROLLBACK");
    throw std::runtime_error("the database's schema is at version " + std::to_string(current) +
                             ", newer than this server knows (" + std::to_string(schema_version()) +
                             "): run a newer server");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current) continue;
    connection.command(migration.sql);
    connection.run(kRecord, {static_cast<std::int64_t>(migration.version),
                             std::string(migration.description)});
    applied.push_back(std::to_string(migration.version) + ": " + migration.description);
  }
  connection.command(kEnsureClock);
  connection.command("COMMIT");
  return applied;
}

}  // namespace buildable::emulator::detail::postgres
