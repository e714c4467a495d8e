#include "detail/emit/pending_emits.hpp"

#include <algorithm>
#include <buildable/errors.hpp>

namespace buildable::detail {

PendingEmits::PendingEmits(Limits limits, MetricsRecorder& metrics)
    : max_emits_(std::min(limits.max_emits, kMaxEmits)),
      max_bytes_(std::min<std::uint64_t>(limits.max_bytes, kMaxBytes)),
      when_full_(limits.when_full),
      metrics_(metrics) {}

bool PendingEmits::has_room(std::uint64_t state, std::uint64_t bytes) const {
  const std::uint64_t emits = state >> kBytesBits;
  const std::uint64_t pending_bytes = state & (kOneEmit - 1);
  // An emit over max_bytes on its own could otherwise never be sent.
  if (emits == 0) return true;
  return emits < max_emits_ && pending_bytes <= max_bytes_ && bytes <= max_bytes_ - pending_bytes;
}

bool PendingEmits::try_take_room(std::uint64_t bytes) {
  std::uint64_t state = state_.load();
  do {
    if (!has_room(state, bytes)) return false;
  } while (!state_.compare_exchange_weak(state, state + kOneEmit + bytes));
  metrics_.pending_emit_added();
  return true;
}

std::optional<PendingEmits::Ticket> PendingEmits::admit(std::size_t size) {
  if (auto ticket = try_admit(size)) return ticket;
  if (closed_.load()) return std::nullopt;
  return wait_in_line(std::min<std::uint64_t>(size, kMaxBytes));
}

std::optional<PendingEmits::Ticket> PendingEmits::try_admit(std::size_t size) {
  if (closed_.load()) return std::nullopt;
  const std::uint64_t bytes = std::min<std::uint64_t>(size, kMaxBytes);
  // Nobody waiting: take room without a lock; otherwise queue up behind the waiters.
  if (waiting_in_line_.load() == 0 && try_take_room(bytes)) return enter_epoch(bytes);
  return std::nullopt;
}

std::optional<PendingEmits::Ticket> PendingEmits::wait_in_line(std::uint64_t bytes) {
  if (when_full_ == WhenEmitQueueFull::fail) {
    if (try_take_room(bytes)) return enter_epoch(bytes);  // room was given back meanwhile
    MetricsRecorder::add(metrics_.emits_refused);
    throw QueueFullError(refusal(bytes));
  }
  std::unique_lock lock(mutex_);
  MetricsRecorder::add(metrics_.emit_queue_waits);
  const std::uint64_t number = next_in_line_++;
  ++waiting_in_line_;  // before looking at the room: settle() then knows to wake us
  bool got_room = false;
  changed_.wait(lock, [&] {
    return closed_.load() || (number == now_serving_ && (got_room = try_take_room(bytes)));
  });
  --waiting_in_line_;
  if (!got_room) return std::nullopt;  // the line is void once closed
  ++now_serving_;
  lock.unlock();
  changed_.notify_all();  // the next in line may have room too
  return enter_epoch(bytes);
}

PendingEmits::Ticket PendingEmits::enter_epoch(std::uint64_t bytes) {
  for (;;) {
    const std::uint64_t epoch = epoch_.load();
    const auto slot = static_cast<unsigned>(epoch & 1);
    ++unsettled_in_epoch_[slot];
    // Still the same epoch after counting: a flush() that closes it later sees this emit.
    if (epoch_.load() == epoch) return Ticket{bytes, slot};
    leave_epoch(slot);  // a flush() closed it meanwhile: count in the new one instead
  }
}

void PendingEmits::leave_epoch(unsigned slot) noexcept {
  --unsettled_in_epoch_[slot];
  if (waiting_flushes_.load() != 0) wake_waiters();
}

void PendingEmits::settle(const Ticket& ticket, const std::function<void()>& make_ready) noexcept {
  // Room and counter first: a caller woken by its future may emit again at once.
  state_ -= kOneEmit + ticket.bytes;
  metrics_.pending_emit_settled();
  if (waiting_in_line_.load() != 0) wake_waiters();
  try {
    make_ready();
  } catch (...) {
    // A promise is made ready once; nothing else can throw here.
  }
  leave_epoch(ticket.epoch_slot);  // only now may flush() return
}

void PendingEmits::wake_waiters() noexcept {
  // Taking the lock orders this wake-up after a waiter's check of the condition, so that a
  // waiter that found no room or an undrained epoch is already waiting and gets it.
  { std::lock_guard lock(mutex_); }
  changed_.notify_all();
}

void PendingEmits::advance_epochs_locked(std::uint64_t target) {
  while (drained_epochs_ < target) {
    const std::uint64_t current = epoch_.load();
    if (drained_epochs_ == current) {
      // Everything before the current epoch has settled: close it to new emits, which now
      // count in the next one (whose counter is the drained previous epoch's).
      epoch_.store(current + 1);
      continue;
    }
    if (unsettled_in_epoch_[drained_epochs_ & 1].load() != 0) return;
    ++drained_epochs_;
  }
}

bool PendingEmits::flush(std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = epoch_.load() + 1;  // every emit admitted so far is below it
  const auto done = [&] {
    advance_epochs_locked(target);
    return drained_epochs_ >= target;
  };
  advance_epochs_locked(target);  // the mark: later emits count in a later epoch
  // Counted before the wait looks at the counters again: leave_epoch() then knows to wake us.
  ++waiting_flushes_;
  bool settled = true;
  if (deadline) {
    settled = changed_.wait_until(lock, *deadline, done);
  } else {
    changed_.wait(lock, done);
  }
  --waiting_flushes_;
  return settled;
}

std::size_t PendingEmits::waiting_flushes() const {
  return waiting_flushes_.load();
}

void PendingEmits::close() {
  closed_.store(true);
  wake_waiters();
}

std::string PendingEmits::refusal(std::uint64_t bytes) const {
  const std::uint64_t state = state_.load();
  const std::uint64_t emits = state >> kBytesBits;
  const std::uint64_t pending_bytes = state & (kOneEmit - 1);
  const bool by_count = emits >= max_emits_;
  return "emit_async: the emit was not queued: " + std::to_string(emits) + " emits of " +
         std::to_string(pending_bytes) + " bytes are pending, and " +
         (by_count ? "ClientOptions::max_pending_emits is " + std::to_string(max_emits_)
                   : "this one's " + std::to_string(bytes) +
                         " bytes would go past ClientOptions::max_pending_bytes (" +
                         std::to_string(max_bytes_) + ")") +
         " (when_emit_queue_full = fail)";
}

}  // namespace buildable::detail
