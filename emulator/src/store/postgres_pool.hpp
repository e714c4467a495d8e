// A bounded pool of PostgreSQL connections, opened on demand. A caller waits for a free
// connection until its deadline; a connection that failed is closed instead of returned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "postgres_connection.hpp"
#include "store.hpp"

namespace buildable::emulator::detail::postgres {

class Pool {
 public:
  /// Connections get `limits`; connecting takes at most `connect_timeout`.
  Pool(std::string location, int max_connections, std::chrono::milliseconds connect_timeout,
       StatementLimits limits);

  /// A connection held by one caller; given back (or closed when it failed) on destruction.
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  /// A connection, waiting until `deadline` for one to be free and opening one (by `deadline`
  /// too) when the pool has room. Throws StoreUnavailable when none was free in time, Error
  /// when connecting failed.
  Lease acquire(std::chrono::steady_clock::time_point deadline);
  StorePoolUsage usage() const;
  const std::string& location() const { return location_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::string location_;
  const int max_;
  const std::chrono::milliseconds connect_timeout_;
  const StatementLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
  int open_ = 0;                                   // guarded by mutex_: idle + leased + opening
};

}  // namespace buildable::emulator::detail::postgres
