#include "emulator_child.hpp"

#include <buildable/emulator/emulator.hpp>
#include <stdexcept>
#include <utility>
#include <vector>

#include "child_process.hpp"

namespace bench {
namespace {

// The soak's mix: `share` of all protocol requests fail, mostly in ways the SDK retries or
// re-polls (5xx, 429, a connection closed before the server acted), some after the server
// acted (a lost claim or record answer: the ambiguous case).
std::vector<buildable::emulator::FaultRule> fault_rules(double share) {
  using buildable::emulator::FaultKind;
  const std::pair<FaultKind, double> mix[] = {{FaultKind::status_500, 0.3},
                                              {FaultKind::status_503, 0.3},
                                              {FaultKind::close_before_acting, 0.2},
                                              {FaultKind::status_429, 0.1},
                                              {FaultKind::close_after_acting, 0.1}};
  std::vector<buildable::emulator::FaultRule> rules;
  for (const auto& [kind, weight] : mix) {
    buildable::emulator::FaultRule rule;
    rule.kind = kind;
    rule.probability = share * weight;
    rules.push_back(rule);
  }
  return rules;
}

}  // namespace

EmulatorChild::EmulatorChild(int latency_ms, int cpu, double fault_share) {
  child_ = std::make_unique<ForkedChild>(
      [latency_ms, fault_share](int command_fd, int reply_fd) {
        namespace emu = buildable::emulator;
        emu::EmulatorOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.threads = 2;  // the child is pinned to one CPU; connections hold no thread
        options.faults.latency = std::chrono::milliseconds(latency_ms);
        if (fault_share > 0) options.faults.rules = fault_rules(fault_share);
        emu::Emulator emulator(options);
        emulator.start();
        child_write_line(reply_fd, emulator.base_url() + " " + emulator.default_secret());
        std::string command;
        while (child_read_line(command_fd, command)) {
          if (command == "stats") {
            const emu::EmulatorStats s = emulator.stats();
            child_write_line(reply_fd, nlohmann::json{{"requests", s.requests},
                                                      {"connections", s.connections},
                                                      {"by_path", s.requests_by_path}}
                                           .dump());
          } else if (command == "reset") {
            emulator.reset_stats();
            child_write_line(reply_fd, "ok");
          }
        }
        emulator.stop();
        return 0;
      },
      cpu);
  const std::string line = child_->read_line(30'000);
  const auto space = line.find(' ');
  if (line.rfind("http", 0) != 0 || space == std::string::npos) {
    throw std::runtime_error("emulator failed to start: " + line);
  }
  base_url_ = line.substr(0, space);
  secret_ = line.substr(space + 1);
}

EmulatorChild::~EmulatorChild() = default;

int EmulatorChild::pid() const {
  return child_->pid();
}

nlohmann::json EmulatorChild::stats() {
  child_->write_line("stats");
  return nlohmann::json::parse(child_->read_line(10'000));
}

void EmulatorChild::reset_stats() {
  child_->write_line("reset");
  child_->read_line(10'000);
}

}  // namespace bench
