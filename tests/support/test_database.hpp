// Where a test's emulator stores messages: SQLite in memory by default, or a new, empty
// PostgreSQL database when the tests run beside a throwaway cluster (with_postgres.sh sets
// BUILDABLE_TEST_POSTGRES), so that one suite checks both stores.
#pragma once

#include <string>
#include <vector>

struct pg_conn;

namespace buildable::testing {

/// True when BUILDABLE_TEST_POSTGRES names a PostgreSQL cluster for the tests.
bool testing_postgresql();

/// "" (a private in-memory SQLite database), or the URL of a PostgreSQL database created for
/// this call in the cluster named by BUILDABLE_TEST_POSTGRES. Throws std::runtime_error when
/// that database cannot be created.
std::string fresh_store_location();

/// Runs one statement on the PostgreSQL database at `url` (e.g. from fresh_store_location()).
/// Throws std::runtime_error when it fails.
void run_postgresql(const std::string& url, const std::string& sql);

/// A session of its own on the database at `url`, kept open (a transaction holding a lock
/// stays open) until destroyed.
class PostgresqlSession {
 public:
  /// Throws std::runtime_error when it cannot connect.
  explicit PostgresqlSession(const std::string& url);
  ~PostgresqlSession();
  PostgresqlSession(const PostgresqlSession&) = delete;
  PostgresqlSession& operator=(const PostgresqlSession&) = delete;

  /// Runs `sql`; returns the first column of its rows. Throws std::runtime_error on failure.
  std::vector<std::string> run(const std::string& sql);

 private:
  pg_conn* conn_;
};

/// Stops the PostgreSQL server backends of every test database (as a restarted database
/// would): the next statement of each pooled connection fails. No-op without a cluster.
void drop_postgresql_connections();

}  // namespace buildable::testing
