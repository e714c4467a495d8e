#include "detail/listen/report_queue.hpp"

namespace buildable::detail {

bool ReportQueue::mergeable(ListenerError::Kind kind) noexcept {
  return kind == ListenerError::Kind::poll || kind == ListenerError::Kind::claim ||
         kind == ListenerError::Kind::handler;
}

ReportQueue::Outcome ReportQueue::push(ListenerError error) {
  Key key{error.listener, error.kind};
  const auto found = newest_.find(key);
  const bool full = entries_.size() >= capacity_;
  if (found != newest_.end() && (full || mergeable(error.kind))) {
    found->second->coalesced += 1 + error.coalesced;
    return Outcome::coalesced;
  }
  if (full) return Outcome::dropped;
  entries_.push_back(std::move(error));
  newest_[std::move(key)] = std::prev(entries_.end());
  return Outcome::queued;
}

ListenerError ReportQueue::pop() {
  const auto oldest = entries_.begin();
  const auto found = newest_.find(Key{oldest->listener, oldest->kind});
  if (found != newest_.end() && found->second == oldest) newest_.erase(found);
  ListenerError error = std::move(*oldest);
  entries_.erase(oldest);
  if (error.coalesced > 0) {
    error.message += " (and " + std::to_string(error.coalesced) + " more like this)";
  }
  return error;
}

}  // namespace buildable::detail
