// SQLite storage of messages and transactions (the default store).
//
// One connection per store, guarded by a mutex (statements prepared once and reused). A file
// database runs in WAL mode with a busy timeout, so several stores (threads, emulator
// instances, processes on one machine) can share it; writes that read first run in BEGIN
// IMMEDIATE transactions, and the UNIQUE (message_key, tx_key) constraint makes a claim happen
// once.
#pragma once

#include <map>
#include <mutex>

#include "store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace buildable::emulator::detail {

class SqliteStore final : public Store {
 public:
  /// Opens (creating when missing) `path`; empty = a private in-memory database.
  /// Throws std::runtime_error on failure.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

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

  // Dashboard browsing (sqlite_browse.cpp).
  BrowsePage browse(const BrowseFilter& filter) override;
  std::vector<std::string> event_names(const std::string& environment, std::int64_t limit) override;

  std::string check_ready() noexcept override;
  StorePoolUsage pool_usage() const noexcept override;

 private:
  class Statement;
  sqlite3_stmt* prepare(const char* sql);  // cached
  void exec(const char* sql);
  std::int64_t next_created_at();
  std::optional<MessageRecord> message_locked(const std::string& key);
  std::optional<TransactionRecord> transaction_locked(const std::string& key,
                                                      const std::string& tx_key);

  mutable std::mutex mutex_;
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> statements_;
  std::int64_t last_created_at_ = 0;
};

}  // namespace buildable::emulator::detail
