// The server's live connections: admission against the connection limit, and stop of all.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "server_gauges.hpp"

namespace buildable::emulator::detail::http {

class Connection;

class ConnectionRegistry {
 public:
  /// Connections refused at once when `max_connections` are open; while more than this many
  /// refusals are still being written, further connections are closed without an answer.
  static constexpr std::size_t kMaxRefusing = 256;

  enum class Admission { serve, refuse, drop };

  /// `gauges`, when given, are kept up to date (by the connections too, see gauges()).
  explicit ConnectionRegistry(std::size_t max_connections, ServerGauges* gauges = nullptr)
      : max_(max_connections), gauges_(gauges) {}

  /// Decides about a connection just accepted, and counts it when not dropped.
  Admission admit();
  /// Registers an admitted connection (so that stop_all() reaches it). False once stop_all()
  /// has run: the connection must stop by itself.
  bool add(Connection* connection, const std::weak_ptr<Connection>& handle);
  /// Called by an admitted connection's destructor.
  void remove(Connection* connection, bool refused);

  /// Calls Connection::stop(drain_deadline) on every registered connection; later ones are
  /// dropped.
  void stop_all(std::chrono::steady_clock::time_point drain_deadline);
  /// The gauges to keep, or nullptr.
  ServerGauges* gauges() const { return gauges_; }

  /// Waits until no admitted connection is left; false at `deadline`.
  bool wait_empty(std::chrono::steady_clock::time_point deadline);

 private:
  const std::size_t max_;
  ServerGauges* const gauges_;
  std::mutex mutex_;
  std::condition_variable empty_;
  bool stopping_ = false;                                            // guarded by mutex_
  std::size_t serving_ = 0;                                          // guarded by mutex_
  std::size_t refusing_ = 0;                                         // guarded by mutex_
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;  // guarded by mutex_
};

}  // namespace buildable::emulator::detail::http
