#include "stats.hpp"

namespace buildable::emulator::detail {

void StatsCollector::record(const std::string& addr, int port, const std::string& path) {
  std::string peer = addr;
  peer += '|';
  peer += std::to_string(port);
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  ++stats_.requests_by_path[path];
  if (peers_.insert(std::move(peer)).second) ++stats_.connections;
}

EmulatorStats StatsCollector::snapshot() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void StatsCollector::reset() {
  std::lock_guard lock(mutex_);
  stats_ = EmulatorStats{};
  peers_.clear();
}

}  // namespace buildable::emulator::detail
