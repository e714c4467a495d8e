#pragma once

#include <buildable/listener_error.hpp>
#include <cstddef>
#include <list>
#include <map>
#include <string>
#include <utility>

namespace buildable::detail {

/// Listener errors waiting for on_error, bounded and coalesced so that a flood of them (a
/// failing service, pages of malformed rows) costs neither unbounded memory nor a queue that
/// keeps handlers waiting.
///
/// `poll`, `claim` and `handler` reports leave nothing to act on per message (the message is
/// offered again, or recorded `failed` on the service), so while one of a listener is waiting,
/// later ones of the same kind merge into it (ListenerError::coalesced). The kinds that leave
/// a message `processing` (`claim_ambiguous`, `record`, `abandoned`) queue one by one with
/// their key, up to `capacity` reports in all; only past that do they merge too.
class ReportQueue {
 public:
  enum class Outcome { queued, coalesced, dropped };

  explicit ReportQueue(std::size_t capacity) : capacity_(capacity) {}

  Outcome push(ListenerError error);
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  /// The oldest report, its text saying how many were merged into it. Must not be empty.
  ListenerError pop();

  /// Whether a kind's reports merge even below capacity.
  static bool mergeable(ListenerError::Kind kind) noexcept;

 private:
  using Key = std::pair<std::string, ListenerError::Kind>;

  std::size_t capacity_;
  std::list<ListenerError> entries_;
  std::map<Key, std::list<ListenerError>::iterator> newest_;  ///< newest queued per key
};

}  // namespace buildable::detail
