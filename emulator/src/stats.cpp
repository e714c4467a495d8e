#include "stats.hpp"

#include <algorithm>

#include "protocol.hpp"

namespace buildable::emulator::detail {
namespace {

const std::string& path_bucket(const std::string& path) {
  static const std::string kOther = "other";
  const auto& endpoints = Protocol::endpoints();
  const auto found = std::find(endpoints.begin(), endpoints.end(), path);
  return found == endpoints.end() ? kOther : *found;
}

}  // namespace

void StatsCollector::record(const std::string& addr, int port, const std::string& path) {
  std::string peer = addr;
  peer += '|';
  peer += std::to_string(port);
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  ++stats_.requests_by_path[path_bucket(path)];
  if (!peers_.insert(peer).second) return;
  ++stats_.connections;
  peer_order_.push_back(std::move(peer));
  if (peer_order_.size() > kRecentPeers) {
    peers_.erase(peer_order_.front());
    peer_order_.pop_front();
  }
}

EmulatorStats StatsCollector::snapshot() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void StatsCollector::reset() {
  std::lock_guard lock(mutex_);
  stats_ = EmulatorStats{};
  peers_.clear();
  peer_order_.clear();
}

}  // namespace buildable::emulator::detail
