#pragma once
/// @file emulator_child.hpp
/// The project's emulator (buildable::emulator) in a forked child process, so that its CPU
/// time is not counted as the client's.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace bench {

class ForkedChild;

class EmulatorChild {
 public:
  /// Starts an in-memory emulator with `latency_ms` added to every request; the child pins
  /// itself to `cpu` when cpu >= 0. With `fault_share` > 0 that share of the protocol requests
  /// meets an injected fault (see fault_rules() in the .cpp).
  EmulatorChild(int latency_ms, int cpu, double fault_share = 0.0);
  EmulatorChild(const EmulatorChild&) = delete;
  EmulatorChild& operator=(const EmulatorChild&) = delete;
  ~EmulatorChild();

  const std::string& base_url() const { return base_url_; }
  const std::string& secret() const { return secret_; }
  int pid() const;
  /// The emulator's counters: {"requests", "connections", "by_path": {...}}.
  nlohmann::json stats();
  void reset_stats();

 private:
  std::unique_ptr<ForkedChild> child_;
  std::string base_url_;
  std::string secret_;
};

}  // namespace bench
