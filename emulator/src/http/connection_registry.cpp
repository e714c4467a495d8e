#include "connection_registry.hpp"

#include <vector>

#include "connection.hpp"

namespace buildable::emulator::detail::http {

ConnectionRegistry::Admission ConnectionRegistry::admit() {
  std::lock_guard lock(mutex_);
  if (stopping_) return Admission::drop;
  Admission admission = Admission::drop;
  if (serving_ < max_) {
    ++serving_;
    admission = Admission::serve;
  } else if (refusing_ < kMaxRefusing) {
    ++refusing_;
    admission = Admission::refuse;
  }
  if (gauges_ && admission != Admission::drop) gauges_->open_connections.fetch_add(1);
  return admission;
}

bool ConnectionRegistry::add(Connection* connection, const std::weak_ptr<Connection>& handle) {
  std::lock_guard lock(mutex_);
  live_.emplace(connection, handle);
  return !stopping_;
}

void ConnectionRegistry::remove(Connection* connection, bool refused) {
  std::lock_guard lock(mutex_);
  live_.erase(connection);
  --(refused ? refusing_ : serving_);
  if (gauges_) gauges_->open_connections.fetch_sub(1);
  if (serving_ == 0 && refusing_ == 0) empty_.notify_all();
}

void ConnectionRegistry::stop_all(std::chrono::steady_clock::time_point drain_deadline) {
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    connections.reserve(live_.size());
    for (const auto& [raw, handle] : live_) {
      if (auto connection = handle.lock()) connections.push_back(std::move(connection));
    }
  }
  // Outside the lock: a connection released here unregisters itself.
  for (const auto& connection : connections)
    connection->stop(drain_deadline);
}

bool ConnectionRegistry::wait_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return empty_.wait_until(lock, deadline, [&] { return serving_ == 0 && refusing_ == 0; });
}

}  // namespace buildable::emulator::detail::http
