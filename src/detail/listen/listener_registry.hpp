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

  struct Taken {
    ListenerPtr listener;  ///< null when no listener has this id (any more)
    bool first = false;    ///< this call unregistered it; false: another removal is under way
  };
  /// Unregisters the listener with this id. A listener that another call is still removing
  /// (see forget()) is returned with `first` false, so its caller can wait for it too.
  Taken take(std::uint64_t id);
  /// Unregisters and returns every listener matching all non-empty fields of `filter`.
  std::vector<ListenerPtr> take_matching(const ListenerFilter& filter);
  /// The removal of `listener` is over (it is drained): take() no longer finds it.
  void forget(const ListenerPtr& listener);

  std::vector<Subscription> subscriptions() const;

  /// Refuses further registrations; returns every listener still registered, which stay
  /// registered (so off() still finds and waits for them) until clear().
  std::vector<ListenerPtr> close();
  /// Drops every listener (the end of close()).
  void clear();

 private:
  void prune_drained_locked();

  mutable std::mutex mutex_;
  std::map<std::uint64_t, ListenerPtr> listeners_;
  std::map<std::uint64_t, ListenerPtr> removing_;  ///< taken, maybe not drained yet
  std::set<std::string> identities_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace buildable::detail
