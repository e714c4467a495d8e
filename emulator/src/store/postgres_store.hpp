// PostgreSQL storage of messages and transactions, for servers on many machines sharing one
// database (libpq; see emulator/README.md "Running your own server").
//
// Each call takes a connection from a bounded pool and runs prepared statements. Claims are one
// INSERT ... ON CONFLICT DO NOTHING against UNIQUE (message_key, tx_key); createdAt comes from
// the database's clock (see postgres_schema.cpp). Transient failures (a lost connection, a
// restarted database, serialization failures, deadlocks) are retried until
// StoreOptions::busy_retry_budget_ms, then reported as StoreUnavailable; a write whose
// connection died after it was sent is first checked for (by the ids it wrote) before it is
// tried again, so it never happens twice.
#pragma once

#include <chrono>
#include <functional>

#include "postgres_pool.hpp"
#include "store.hpp"

namespace buildable::emulator::detail {

class PostgresStore final : public Store {
 public:
  /// Connects once (checking `location`) and applies the schema migrations. Throws
  /// std::runtime_error (never holding a password) on failure.
  PostgresStore(const std::string& location, const StoreOptions& options);

  MessageRecord insert_message(const NewMessage& message) override;
  QueryResult query(const QueryFilter& filter) override;
  ClaimResult claim(const std::string& environment, const std::string& key,
                    const std::string& tx_key, const std::string& updated_by,
                    const std::string& claim_token) override;
  FinishResult finish(const std::string& environment, const std::string& key,
                      const std::string& tx_key, const std::string& state,
                      const std::string& output, const std::string& updated_by) override;
  std::optional<MessageRecord> set_state(const std::string& environment, const std::string& key,
                                         const std::string& tx_key, const std::string& state,
                                         const std::string& updated_by) override;

  std::optional<MessageRecord> message(const std::string& key) override;
  std::optional<TransactionRecord> transaction(const std::string& key,
                                               const std::string& tx_key) override;
  std::int64_t message_count() override;

  // Dashboard browsing (postgres_browse.cpp).
  BrowsePage browse(const BrowseFilter& filter) override;
  std::vector<std::string> event_names(const std::string& environment, std::int64_t limit) override;

  std::string check_ready() noexcept override;
  StorePoolUsage pool_usage() const noexcept override;

 private:
  /// Runs `attempt(connection, again)` on a pooled connection, again (with `again` true) after
  /// each transient failure until the retry budget is spent; see the class comment.
  template <class Attempt>
  auto with_retries(Attempt attempt)
      -> decltype(attempt(std::declval<postgres::Connection&>(), false));

  StoreOptions options_;
  mutable postgres::Pool pool_;
};

/// The PostgreSQL side of describe_store_location() and migrate_store().
std::string postgres_display_name(const std::string& location);
std::vector<std::string> migrate_postgres(const std::string& location);

}  // namespace buildable::emulator::detail
