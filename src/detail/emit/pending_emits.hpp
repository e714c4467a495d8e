#pragma once

#include <buildable/client_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>

#include "detail/support/metrics_recorder.hpp"

namespace buildable::detail {

/// Flow control of emit_async(): counts the emits accepted and not yet settled and their body
/// bytes against ClientOptions::max_pending_emits and max_pending_bytes, makes a new emit
/// wait for room (in arrival order) or refuses it, and lets flush() wait for the emits
/// accepted before it. Thread-safe.
class PendingEmits {
 public:
  struct Limits {
    std::size_t max_emits;
    std::size_t max_bytes;
    WhenEmitQueueFull when_full;
  };
  using Ticket = std::uint64_t;

  PendingEmits(Limits limits, MetricsRecorder& metrics);

  /// Takes room for an emit of `bytes`, waiting for it or throwing QueueFullError as the
  /// policy says. Returns the ticket to hand to settle(), or nothing once close() was called
  /// (before or during the wait).
  std::optional<Ticket> admit(std::size_t bytes);
  /// Settles the emit holding `ticket`: runs `make_ready` (which makes its future ready) and
  /// gives its room back in one step, so that no caller sees the future ready while the emit
  /// still counts as pending, nor flush() return before the future is ready. `make_ready`
  /// runs under this object's lock and must not call back into it.
  void settle(Ticket ticket, std::size_t bytes, const std::function<void()>& make_ready) noexcept;
  /// Waits until every emit admitted before the call has settled, or until `deadline`
  /// (none: no limit). True when they have.
  bool flush(std::optional<std::chrono::steady_clock::time_point> deadline);
  /// flush() calls waiting right now (for tests: a seam to know one has taken its mark).
  std::size_t waiting_flushes() const;
  /// Ends waits in admit() (they return nothing) and makes later admits return nothing.
  void close();

 private:
  bool has_room_locked(std::size_t bytes) const;
  std::string refusal_locked(std::size_t bytes) const;

  const Limits limits_;
  MetricsRecorder& metrics_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // an emit settled, a waiter got room, or close()
  std::set<Ticket> unsettled_;       // ordered: flush() waits for the oldest ones
  std::size_t bytes_ = 0;
  Ticket next_ticket_ = 1;
  std::uint64_t next_in_line_ = 0;  // waiters take numbers and get room in that order
  std::uint64_t now_serving_ = 0;
  std::size_t waiting_flushes_ = 0;
  bool closed_ = false;
};

}  // namespace buildable::detail
