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
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test database: cannot connect: " + why);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const bool ok =
      PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
  const std::string why = ok ? "" : PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw std::runtime_error("test database: " + sql + ": " + why);
}

namespace {

// Runs one administrative statement on the cluster's `postgres` database.
void administer(const std::string& sql) {
  run_postgresql(cluster(), sql);
}

}  // namespace

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
