#pragma once
/// @file child_process.hpp
/// A forked helper process (a server the benchmark talks to), so that its CPU time is not
/// counted as the client's.

#include <functional>
#include <string>

namespace bench {

/// A child process started with fork(). The child runs `body(command_fd, reply_fd)` and then
/// exits; it is killed when the parent dies. Reading `command_fd` returns end-of-file when the
/// parent destroys this object: that is the child's signal to stop.
///
/// Fork while the process has no other threads (glibc keeps malloc usable after fork, but
/// other locks a thread held would stay held in the child).
class ForkedChild {
 public:
  using Body = std::function<int(int command_fd, int reply_fd)>;

  /// Forks; the child pins itself to `cpu` when cpu >= 0. Throws std::runtime_error on error.
  ForkedChild(const Body& body, int cpu);
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;
  /// Closes the command pipe, waits up to 3 s for the child to exit, then kills it.
  ~ForkedChild();

  int pid() const { return pid_; }
  /// Writes one line (a '\n' is appended) to the child's command pipe.
  void write_line(const std::string& line);
  /// Reads one line from the child's reply pipe, waiting at most timeout_ms. Throws
  /// std::runtime_error on timeout or end-of-file.
  std::string read_line(int timeout_ms = 30'000);

 private:
  int pid_ = -1;
  int command_fd_ = -1;  // parent writes
  int reply_fd_ = -1;    // parent reads
  std::string buffer_;
};

/// Helpers for the child side: one line per call, blocking.
bool child_read_line(int fd, std::string& line);
void child_write_line(int fd, const std::string& line);

}  // namespace bench
