// The PostgreSQL store's schema, as numbered migrations applied in order and recorded in
// buildable_schema_migrations. Servers starting together take an advisory lock, so each step
// runs once; a database migrated by a newer server is refused rather than misread.
#pragma once

#include <string>
#include <vector>

#include "postgres_connection.hpp"

namespace buildable::emulator::detail::postgres {

/// Applies the migrations `connection`'s database lacks, in one transaction; returns their
/// descriptions ("1: messages and transactions", ...). Throws Error, or std::runtime_error when
/// the database has a migration this server does not know.
std::vector<std::string> migrate(Connection& connection);

/// The number of the newest migration this server knows.
int schema_version();

}  // namespace buildable::emulator::detail::postgres
