// Choosing a store by its location, and naming it without its password.
#include <algorithm>
#include <cctype>

#include "postgres_store.hpp"
#include "sqlite_store.hpp"
#include "store.hpp"

namespace buildable::emulator::detail {

namespace {

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

bool is_postgresql_location(const std::string& location) {
  if (starts_with(location, "postgresql://") || starts_with(location, "postgres://")) return true;
  // libpq's key=value form: a first word that is a connection keyword followed by '='.
  static const char* const kKeywords[] = {
      "host=", "hostaddr=", "dbname=", "user=", "port=", "service="};
  return std::any_of(std::begin(kKeywords), std::end(kKeywords),
                     [&](const char* keyword) { return starts_with(location, keyword); });
}

std::string describe_store_location(const std::string& location) {
  if (location.empty()) return "in-memory";
  if (!is_postgresql_location(location)) return location + " (SQLite, WAL)";
  return postgres_display_name(location) + " (PostgreSQL)";
}

std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options) {
  if (is_postgresql_location(location)) return std::make_unique<PostgresStore>(location, options);
  return std::make_unique<SqliteStore>(location);
}

std::vector<std::string> migrate_store(const std::string& location) {
  if (is_postgresql_location(location)) return migrate_postgres(location);
  SqliteStore store(location);  // creates its schema when missing
  (void)store;
  return {};
}

}  // namespace buildable::emulator::detail
