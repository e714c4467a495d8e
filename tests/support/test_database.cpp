#include "test_database.hpp"

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace buildable::testing {

namespace {

const char* cluster() {
  const char* url = std::getenv("BUILDABLE_TEST_POSTGRES");
  return url && *url ? url : nullptr;
}

}  // namespace

void run_postgresql(const std::string& url, const std::string& sql) {
  PostgresqlSession(url).run(sql);
}

namespace {

// Runs one administrative statement on the cluster's `postgres` database.
void administer(const std::string& sql) {
  run_postgresql(cluster(), sql);
}

}  // namespace

PostgresqlSession::PostgresqlSession(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("test database: cannot connect: " + why);
  }
}

PostgresqlSession::~PostgresqlSession() {
  PQfinish(conn_);
}

std::vector<std::string> PostgresqlSession::run(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string why = PQerrorMessage(conn_);
    PQclear(result);
    throw std::runtime_error("test database: " + sql + ": " + why);
  }
  std::vector<std::string> column;
  for (int row = 0; row < PQntuples(result); ++row)
    column.emplace_back(PQgetvalue(result, row, 0));
  PQclear(result);
  return column;
}

bool testing_postgresql() {
  return cluster() != nullptr;
}

std::string fresh_store_location() {
  if (!cluster()) return "";
  static std::atomic<int> counter{0};
  std::random_device random;
  const std::string name =
      "buildable_test_" + std::to_string(random()) + "_" + std::to_string(counter.fetch_add(1));
  administer("CREATE DATABASE " + name);
  std::string url = cluster();
  return url.substr(0, url.rfind('/') + 1) + name;
}

void drop_postgresql_connections() {
  if (!cluster()) return;
  administer(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE "
      "'buildable_test_%' AND pid <> pg_backend_pid()");
}

}  // namespace buildable::testing
