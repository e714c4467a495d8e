// How `buildable listen` hands its lines to the reader of standard output, and learns whether
// the reader has them: only then may the message be recorded `finished`.
#pragma once

#include <functional>
#include <string>

namespace buildable::cli {

/// Writes lines to file descriptor 1. When that is a pipe (`listen | head -2`), a line counts
/// as delivered once the reader has taken it out of the pipe, not when the kernel accepted it:
/// a reader that stops early (head, a crashed jq) then leaves unrecorded only the line it did
/// not read. For a file or a terminal, a complete write() is delivery.
class LineOutput {
 public:
  enum class Result {
    delivered,    ///< written (and, for a pipe, read by the reader)
    reader_gone,  ///< EPIPE, or the pipe's reader closed it before reading the line
    write_error,  ///< write() failed otherwise (e.g. ENOSPC, EBADF); see error()
    gave_up,      ///< `give_up` returned true while waiting for the reader
  };

  /// Looks at what file descriptor 1 is. SIGPIPE must be ignored (main() does; writes then
  /// fail with EPIPE).
  LineOutput();

  /// Writes `line` (which should end with '\n') and, for a pipe, waits until the reader has
  /// read it or is gone. While it waits (a full pipe, or an unread line), `give_up` is asked
  /// every few milliseconds whether to stop waiting. Call from one thread at a time.
  Result deliver(const std::string& line, const std::function<bool()>& give_up);

  /// errno of the last write_error.
  int error() const { return error_; }

  /// File descriptor to poll() (events 0) for POLLERR, which comes when the pipe's reader is
  /// gone; -1 when standard output is not a pipe.
  int reader_watch_fd() const { return is_pipe_ ? 1 : -1; }

 private:
  Result write_pipe(const std::string& line, const std::function<bool()>& give_up);
  Result wait_until_read(const std::function<bool()>& give_up);

  bool is_pipe_ = false;
  int error_ = 0;
};

/// Writes all of `text` to file descriptor 1 at once, without waiting for a reader (for the
/// commands whose output is not a delivery: emit's key, stranded's list, resolve's results).
/// Returns 0, or the errno of the write() that failed (EPIPE: the reader is gone).
int write_stdout(const std::string& text);

}  // namespace buildable::cli
