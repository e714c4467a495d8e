#include "emulator_child.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <buildable/emulator/emulator.hpp>
#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>

#include "child_process.hpp"

namespace bench {
namespace {

// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG): a client that opens a
// dozen connections at once gets SYNs dropped and waits the kernel's 1 s SYN retransmit, which
// would make the benchmark measure the emulator's accept queue instead of the SDK. Calling
// listen() again on the listening socket raises the backlog in place.
bool raise_listen_backlog(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool raised = false;
  while (const dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (entry->d_name[0] == '.' || fd == dirfd(dir)) continue;
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
      continue;
    }
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof(addr);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    int bound = -1;
    if (addr.ss_family == AF_INET) {
      bound = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    }
    if (bound == port && listen(fd, 4096) == 0) raised = true;
  }
  closedir(dir);
  return raised;
}

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
        options.threads = 64;  // each keep-alive connection holds a worker
        options.faults.latency = std::chrono::milliseconds(latency_ms);
        if (fault_share > 0) options.faults.rules = fault_rules(fault_share);
        emu::Emulator emulator(options);
        emulator.start();
        const bool raised = raise_listen_backlog(emulator.port());
        child_write_line(reply_fd, emulator.base_url() + " " + emulator.default_secret() +
                                       (raised ? " backlog-raised" : " backlog-default"));
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
  const auto second = line.find(' ', space + 1);
  secret_ =
      line.substr(space + 1, second == std::string::npos ? std::string::npos : second - space - 1);
  backlog_raised_ = line.find(" backlog-raised") != std::string::npos;
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
