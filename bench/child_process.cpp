#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "measure.hpp"

namespace bench {
namespace {

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

ForkedChild::ForkedChild(const Body& body, int cpu) {
  int to_child[2];
  int to_parent[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    ::close(to_child[1]);
    ::close(to_parent[0]);
    if (cpu >= 0) pin_to_cpu(cpu);
    int rc = 1;
    try {
      rc = body(to_child[0], to_parent[1]);
    } catch (const std::exception& e) {
      const std::string line = std::string("error ") + e.what() + "\n";
      write_all(to_parent[1], line.data(), line.size());
    }
    _exit(rc);
  }
  pid_ = pid;
  ::close(to_child[0]);
  ::close(to_parent[1]);
  command_fd_ = to_child[1];
  reply_fd_ = to_parent[0];
}

ForkedChild::~ForkedChild() {
  if (pid_ <= 0) return;
  ::close(command_fd_);
  ::close(reply_fd_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ForkedChild::write_line(const std::string& line) {
  const std::string data = line + "\n";
  write_all(command_fd_, data.data(), data.size());
}

std::string ForkedChild::read_line(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("child process did not answer in time");
    pollfd pfd{reply_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) throw std::runtime_error("poll on child pipe failed");
    if (ready <= 0) continue;
    char chunk[512];
    const ssize_t n = ::read(reply_fd_, chunk, sizeof(chunk));
    if (n == 0) throw std::runtime_error("child process exited");
    if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

bool child_read_line(int fd, std::string& line) {
  line.clear();
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
    line.push_back(c);
  }
}

void child_write_line(int fd, const std::string& line) {
  const std::string data = line + "\n";
  write_all(fd, data.data(), data.size());
}

}  // namespace bench
