// Request and connection counters (EmulatorStats).
#pragma once

#include <mutex>
#include <string>
#include <unordered_set>

#include "buildable/emulator/emulator.hpp"

namespace buildable::emulator::detail {

class StatsCollector {
 public:
  /// Counts one request from `addr`:`port` to `path`.
  void record(const std::string& addr, int port, const std::string& path);
  EmulatorStats snapshot() const;
  void reset();

 private:
  mutable std::mutex mutex_;
  EmulatorStats stats_;
  std::unordered_set<std::string> peers_;
};

}  // namespace buildable::emulator::detail
