#pragma once

#include <buildable/handler.hpp>
#include <buildable/listen_options.hpp>
#include <buildable/subscription.hpp>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "detail/listen/listener.hpp"

namespace buildable::detail {

/// The client's registered listeners, keyed by subscription id, with identities kept
/// unique. Validates registrations. Thread-safe.
class ListenerRegistry {
 public:
  /// Validates and registers a listener. Throws InvalidArgument for bad arguments or a
  /// duplicate identity, ClosedError after close().
  ListenerPtr add(std::string event, Handler handler, ListenOptions options);

  /// Unregisters and returns the listener with this id (null when absent).
  ListenerPtr take(std::uint64_t id);
  /// Unregisters and returns every listener matching all non-empty fields of `filter`.
  std::vector<ListenerPtr> take_matching(const ListenerFilter& filter);

  std::vector<Subscription> subscriptions() const;

  /// Refuses further registrations; returns every listener still registered.
  std::vector<ListenerPtr> close();

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, ListenerPtr> listeners_;
  std::set<std::string> identities_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace buildable::detail
