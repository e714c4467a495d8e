// Request and connection counters (EmulatorStats).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

/// Bounded whatever clients send: paths are counted per protocol endpoint plus one "other"
/// bucket, and only the kRecentPeers most recent connections are remembered.
class StatsCollector {
 public:
  /// Connections remembered to tell a new one from a known one.
  static constexpr std::size_t kRecentPeers = 4096;

  /// Counts one request from `addr`:`port` to `path`.
  void record(const std::string& addr, int port, const std::string& path);
  EmulatorStats snapshot() const;
  void reset();

 private:
  mutable std::mutex mutex_;
  EmulatorStats stats_;
  std::unordered_set<std::string> peers_;
  std::deque<std::string> peer_order_;  ///< peers_ oldest first, for eviction
};

}  // namespace buildable::emulator::detail
