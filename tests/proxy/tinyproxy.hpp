// tinyproxy (Debian's, installed by scripts/install-deps.sh test) as a child process on a
// loopback port, with a configuration written for the test: a forward proxy between the SDK
// and the emulator, as found in front of services in real deployments.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

#include "temp_dir.hpp"
#include "test_server.hpp"

extern char** environ;

namespace proxy_test {

inline bool tinyproxy_installed() {
  return access("/usr/bin/tinyproxy", X_OK) == 0;
}

class Tinyproxy {
 public:
  Tinyproxy() : port_(buildable::testing::unused_port()) {
    const std::string config = dir_.file("tinyproxy.conf");
    std::ofstream(config) << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 600\n"
                          << "MaxClients 200\nAllow 127.0.0.1\nLogLevel Critical\n"
                          << "DisableViaHeader Yes\n";
    const char* argv[] = {"/usr/bin/tinyproxy", "-d", "-c", config.c_str(), nullptr};
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      throw std::runtime_error("cannot start tinyproxy");
    }
    if (!wait_until_listening()) {
      stop();
      throw std::runtime_error("tinyproxy did not listen on port " + std::to_string(port_));
    }
  }
  ~Tinyproxy() { stop(); }
  Tinyproxy(const Tinyproxy&) = delete;
  Tinyproxy& operator=(const Tinyproxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  bool accepts() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
  }
  bool wait_until_listening() const {
    return buildable::testing::wait_until([this] { return accepts(); }, std::chrono::seconds(10));
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);  // on SIGTERM it waits for its connections to end
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  buildable::emulator::testing::TempDir dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace proxy_test
