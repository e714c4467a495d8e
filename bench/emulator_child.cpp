#include "emulator_child.hpp"

#include <buildable/emulator/emulator.hpp>
#include <stdexcept>

#include "child_process.hpp"

namespace bench {

EmulatorChild::EmulatorChild(int latency_ms, int cpu) {
  child_ = std::make_unique<ForkedChild>(
      [latency_ms](int command_fd, int reply_fd) {
        namespace emu = buildable::emulator;
        emu::EmulatorOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.threads = 64;  // each keep-alive connection holds a worker
        options.faults.latency = std::chrono::milliseconds(latency_ms);
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
