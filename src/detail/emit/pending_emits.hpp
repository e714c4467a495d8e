#pragma once

#include <array>
#include <atomic>
#include <buildable/client_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "detail/support/metrics_recorder.hpp"

namespace buildable::detail {

/// Flow control of emit_async(): counts the emits accepted and not yet settled and their body
/// bytes against ClientOptions::max_pending_emits and max_pending_bytes, makes a new emit
/// wait for room (in arrival order) or refuses it, and lets flush() wait for the emits
/// accepted before it. Thread-safe.
///
/// The common case, room and nobody waiting, takes no lock: admit() and settle() are a few
/// atomic operations, and the mutex is only met by callers that wait (for room or in flush())
/// and by a settle() that has such a waiter to wake. For flush(), emits are counted per
/// epoch: flush() closes the current epoch to new emits and waits until every epoch up to
/// it has no unsettled emit. Only two epochs are open at a time (the next one is opened once
/// the one before the current has drained), so two counters suffice.
class PendingEmits {
 public:
  struct Limits {
    std::size_t max_emits;
    std::size_t max_bytes;
    WhenEmitQueueFull when_full;
  };
  /// An admitted emit's room: hand it back to settle().
  struct Ticket {
    std::uint64_t bytes;  // as counted (see kMaxBytes)
    unsigned epoch_slot;
  };

  /// Both counts live in one word, changed in one atomic step: emits in the high 24 bits,
  /// bytes in the low 40. Limits above these act as these.
  static constexpr std::size_t kMaxEmits = (std::size_t{1} << 24) - 1;
  static constexpr std::uint64_t kMaxBytes = (std::uint64_t{1} << 39) - 1;

  PendingEmits(Limits limits, MetricsRecorder& metrics);

  /// Takes room for an emit of `bytes`, waiting for it or throwing QueueFullError as the
  /// policy says. Returns the ticket to hand to settle(), or nothing once close() was called
  /// (before or during the wait).
  std::optional<Ticket> admit(std::size_t bytes);
  /// admit() that never waits: nothing when there is no room at once (or somebody waits for
  /// it), or once close() was called.
  std::optional<Ticket> try_admit(std::size_t bytes);
  /// Settles the emit holding `ticket`: gives its room back, then runs `make_ready` (which
  /// makes its future ready), then counts it as settled for flush(). So no caller sees the
  /// future ready while the emit still counts as pending, nor flush() return before the
  /// future is ready. `make_ready` runs without any lock held.
  void settle(const Ticket& ticket, const std::function<void()>& make_ready) noexcept;
  /// Waits until every emit admitted before the call has settled, or until `deadline`
  /// (none: no limit). True when they have.
  bool flush(std::optional<std::chrono::steady_clock::time_point> deadline);
  /// flush() calls waiting right now (for tests: a seam to know one has taken its mark).
  std::size_t waiting_flushes() const;
  /// Ends waits in admit() (they return nothing) and makes later admits return nothing.
  void close();

 private:
  static constexpr int kBytesBits = 40;
  static constexpr std::uint64_t kOneEmit = std::uint64_t{1} << kBytesBits;

  bool has_room(std::uint64_t state, std::uint64_t bytes) const;
  bool try_take_room(std::uint64_t bytes);
  std::optional<Ticket> wait_in_line(std::uint64_t bytes);
  Ticket enter_epoch(std::uint64_t bytes);
  void leave_epoch(unsigned slot) noexcept;
  void advance_epochs_locked(std::uint64_t target);
  void wake_waiters() noexcept;
  std::string refusal(std::uint64_t bytes) const;

  const std::size_t max_emits_;
  const std::uint64_t max_bytes_;
  const WhenEmitQueueFull when_full_;
  MetricsRecorder& metrics_;

  std::atomic<std::uint64_t> state_{0};  // pending emits and bytes (see kOneEmit)
  std::atomic<std::uint64_t> epoch_{0};  // changed only under mutex_
  std::array<std::atomic<std::uint64_t>, 2> unsettled_in_epoch_{};  // by epoch parity
  std::atomic<std::size_t> waiting_in_line_{0};
  std::atomic<std::size_t> waiting_flushes_{0};
  std::atomic<bool> closed_{false};

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // room given back, a waiter got room, an epoch drained
  std::uint64_t next_in_line_ = 0;   // waiters take numbers and get room in that order
  std::uint64_t now_serving_ = 0;
  std::uint64_t drained_epochs_ = 0;  // every emit of an epoch below this has settled
};

}  // namespace buildable::detail
