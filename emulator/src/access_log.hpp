// The access log: one line per answered request, written by a thread of its own so that a
// slow disk or a stalled pipe never holds an I/O thread; lines wait in a bounded buffer, and
// those that do not fit are dropped and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "buildable/emulator/emulator.hpp"
#include "http/answered_request.hpp"

namespace buildable::emulator::detail {

class AccessLog {
 public:
  /// Most bytes of lines waiting to be written; beyond, lines are dropped.
  static constexpr std::size_t kMaxPendingBytes = 1024 * 1024;
  /// Longest flush() and destruction wait for a destination that does not take the lines.
  static constexpr std::chrono::seconds kMaxWait{2};

  /// `destination`: "-" for standard output, else a file, created if missing and appended to
  /// (so a rotation by copy-and-truncate works). Throws std::runtime_error naming the file.
  AccessLog(const std::string& destination, AccessLogFormat format);
  /// Writes the lines still waiting (for up to kMaxWait), then closes the file. A writer
  /// stuck on the destination beyond that is left behind to finish on its own.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  /// Formats the line of `request` now and queues it. Never blocks on the destination.
  void write(const http::AnsweredRequest& request) noexcept;
  /// Waits (up to kMaxWait) until every line queued so far has been written or dropped.
  void flush();
  /// Lines lost so far: no room in the buffer, or the destination failed.
  std::uint64_t dropped() const;

 private:
  struct State;  // shared with the writer thread, which may outlive this object (see above)
  static void run(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace buildable::emulator::detail
