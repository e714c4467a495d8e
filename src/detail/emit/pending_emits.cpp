#include "detail/emit/pending_emits.hpp"

#include <buildable/errors.hpp>
#include <string>

namespace buildable::detail {

PendingEmits::PendingEmits(Limits limits, MetricsRecorder& metrics)
    : limits_(limits), metrics_(metrics) {}

bool PendingEmits::has_room_locked(std::size_t bytes) const {
  // An emit over max_bytes on its own could otherwise never be sent.
  if (unsettled_.empty()) return true;
  return unsettled_.size() < limits_.max_emits && bytes_ <= limits_.max_bytes &&
         bytes <= limits_.max_bytes - bytes_;
}

std::string PendingEmits::refusal_locked(std::size_t bytes) const {
  const bool by_count = unsettled_.size() >= limits_.max_emits;
  return "emit_async: the emit was not queued: " + std::to_string(unsettled_.size()) +
         " emits of " + std::to_string(bytes_) + " bytes are pending, and " +
         (by_count ? "ClientOptions::max_pending_emits is " + std::to_string(limits_.max_emits)
                   : "this one's " + std::to_string(bytes) +
                         " bytes would go past ClientOptions::max_pending_bytes (" +
                         std::to_string(limits_.max_bytes) + ")") +
         " (when_emit_queue_full = fail)";
}

std::optional<PendingEmits::Ticket> PendingEmits::admit(std::size_t bytes) {
  std::unique_lock lock(mutex_);
  if (closed_) return std::nullopt;
  const bool others_waiting = now_serving_ != next_in_line_;
  if (others_waiting || !has_room_locked(bytes)) {
    if (limits_.when_full == WhenEmitQueueFull::fail) {
      MetricsRecorder::add(metrics_.emits_refused);
      throw QueueFullError(refusal_locked(bytes));
    }
    MetricsRecorder::add(metrics_.emit_queue_waits);
    const std::uint64_t number = next_in_line_++;
    changed_.wait(lock,
                  [&] { return closed_ || (number == now_serving_ && has_room_locked(bytes)); });
    if (closed_) return std::nullopt;  // the line is void once closed
    ++now_serving_;
    changed_.notify_all();  // the next in line may have room too
  }
  const Ticket ticket = next_ticket_++;
  unsettled_.insert(ticket);
  bytes_ += bytes;
  metrics_.set_pending_emits(unsettled_.size());
  return ticket;
}

void PendingEmits::settle(Ticket ticket, std::size_t bytes,
                          const std::function<void()>& make_ready) noexcept {
  {
    std::lock_guard lock(mutex_);
    // Room and counter first: Metrics::pending_emits is read without this lock.
    if (unsettled_.erase(ticket) != 0) {
      bytes_ -= bytes;
      metrics_.set_pending_emits(unsettled_.size());
    }
    try {
      make_ready();
    } catch (...) {
      // A promise is made ready once; nothing else can throw here.
    }
  }
  changed_.notify_all();
}

bool PendingEmits::flush(std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::unique_lock lock(mutex_);
  const Ticket last = next_ticket_ - 1;
  const auto done = [&] { return unsettled_.empty() || *unsettled_.begin() > last; };
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
  std::lock_guard lock(mutex_);
  return waiting_flushes_;
}

void PendingEmits::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

}  // namespace buildable::detail
