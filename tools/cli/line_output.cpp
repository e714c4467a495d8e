#include "line_output.hpp"

#include <limits.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>

namespace buildable::cli {
namespace {

constexpr int kStdout = 1;
constexpr int kLongestPollMs = 50;

/// What poll() says about the write end of the pipe within `timeout_ms`: POLLOUT (room),
/// POLLERR (no reader any more), or 0.
short poll_pipe(short events, int timeout_ms) {
  pollfd fd{kStdout, events, 0};
  const int ready = ::poll(&fd, 1, timeout_ms);
  return ready > 0 ? fd.revents : 0;
}

}  // namespace

LineOutput::LineOutput() {
  struct stat status {};
  is_pipe_ = ::fstat(kStdout, &status) == 0 && S_ISFIFO(status.st_mode);
}

LineOutput::Result LineOutput::deliver(const std::string& line,
                                       const std::function<bool()>& give_up) {
  if (is_pipe_) {
    const Result written = write_pipe(line, give_up);
    return written == Result::delivered ? wait_until_read(give_up) : written;
  }
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(kStdout, line.data() + done, line.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      error_ = errno;
      return errno == EPIPE ? Result::reader_gone : Result::write_error;
    }
  }
  return Result::delivered;
}

int write_stdout(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(kStdout, text.data() + done, text.size() - done);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

// In pieces of at most PIPE_BUF bytes, each written once poll() reports room: such a write
// does not block, so a reader that stops reading cannot hold this thread beyond `give_up`.
LineOutput::Result LineOutput::write_pipe(const std::string& line,
                                          const std::function<bool()>& give_up) {
  std::size_t done = 0;
  int wait_ms = 1;
  while (done < line.size()) {
    const short events = poll_pipe(POLLOUT, wait_ms);
    if ((events & POLLERR) != 0) return Result::reader_gone;
    if ((events & POLLOUT) == 0) {
      if (give_up()) return Result::gave_up;
      wait_ms = std::min(wait_ms * 2, kLongestPollMs);
      continue;
    }
    const std::size_t piece = std::min<std::size_t>(line.size() - done, PIPE_BUF);
    const ssize_t n = ::write(kStdout, line.data() + done, piece);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
    } else if (errno != EINTR && errno != EAGAIN) {
      error_ = errno;
      return errno == EPIPE ? Result::reader_gone : Result::write_error;
    }
  }
  return Result::delivered;
}

// Linux answers FIONREAD on either end of a pipe with the bytes still in it. Where it cannot
// tell, the complete write counts as delivery.
LineOutput::Result LineOutput::wait_until_read(const std::function<bool()>& give_up) {
  const auto unread = [] {
    int bytes = 0;
    return ::ioctl(kStdout, FIONREAD, &bytes) == 0 && bytes > 0;
  };
  int wait_ms = 1;
  while (unread()) {
    // The reader may have read the line just before leaving (head -2 and its second line):
    // only bytes still in the pipe when it is gone make the line undelivered.
    if ((poll_pipe(0, wait_ms) & POLLERR) != 0) {
      return unread() ? Result::reader_gone : Result::delivered;
    }
    if (give_up()) return unread() ? Result::gave_up : Result::delivered;
    wait_ms = std::min(wait_ms * 2, kLongestPollMs);
  }
  return Result::delivered;
}

}  // namespace buildable::cli
