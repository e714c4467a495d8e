#include "postgres_pool.hpp"

namespace buildable::emulator::detail::postgres {

Pool::Pool(std::string location, int max_connections, std::chrono::milliseconds connect_timeout,
           StatementLimits limits)
    : location_(std::move(location)),
      max_(max_connections),
      connect_timeout_(connect_timeout),
      limits_(limits) {}

Pool::Lease::~Lease() {
  if (pool_ && connection_) pool_->give_back(std::move(connection_));
}

Pool::Lease Pool::acquire(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->still_open()) return Lease(*this, std::move(connection));
      --open_;  // closed by the server while idle: replaced below or by the next caller
      continue;
    }
    if (open_ < max_) break;
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= max_) {
      throw StoreUnavailable("all " + std::to_string(max_) + " database connections stayed busy");
    }
  }
  ++open_;  // counted while connecting, so that no more than max_ are ever opened
  lock.unlock();
  try {
    const auto connect_by = std::min(deadline, Connection::Clock::now() + connect_timeout_);
    return Lease(*this, std::make_unique<Connection>(location_, connect_by, limits_));
  } catch (...) {
    lock.lock();
    --open_;
    freed_.notify_one();
    throw;
  }
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  // A connection left inside a transaction (a call failed between BEGIN and COMMIT) is
  // rolled back before anyone else gets it.
  const bool keep = connection->healthy() && connection->leave_transaction();
  if (!keep) connection.reset();  // closed outside the lock
  std::lock_guard lock(mutex_);
  if (keep) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  freed_.notify_one();
}

StorePoolUsage Pool::usage() const {
  std::lock_guard lock(mutex_);
  return StorePoolUsage{open_, open_ - static_cast<int>(idle_.size()), max_};
}

}  // namespace buildable::emulator::detail::postgres
