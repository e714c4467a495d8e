#include "detail/listen/listener_registry.hpp"

#include <buildable/errors.hpp>
#include <chrono>
#include <utility>

#include "detail/protocol/listener_identity.hpp"

namespace buildable::detail {
namespace {

void validate(const std::string& event, const Handler& handler, const ListenOptions& options) {
  if (event.empty()) throw InvalidArgument("on: the event name must not be empty");
  if (!handler) throw InvalidArgument("on: the handler must not be empty");
  if (options.platform.find('.') != std::string::npos) {
    throw InvalidArgument("on: ListenOptions::platform must not contain a dot");
  }
  if (options.label.find('.') != std::string::npos) {
    throw InvalidArgument("on: ListenOptions::label must not contain a dot");
  }
  if (options.max_concurrency < 1) {
    throw InvalidArgument("on: ListenOptions::max_concurrency must be at least 1");
  }
}

bool matches(const Listener& listener, const ListenerFilter& filter) {
  const auto& s = listener.subscription;
  return (filter.event.empty() || filter.event == s.event()) &&
         (filter.tx_key.empty() || filter.tx_key == s.tx_key()) &&
         (filter.platform.empty() || filter.platform == s.platform()) &&
         (filter.label.empty() || filter.label == s.label());
}

}  // namespace

ListenerPtr ListenerRegistry::add(std::string event, Handler handler, ListenOptions options) {
  validate(event, handler, options);
  if (options.tx_key.empty()) options.tx_key = kDefaultTxKey;
  const auto since = options.since.value_or(std::chrono::system_clock::now());

  auto listener = std::make_shared<Listener>();
  listener->identity = format_identity({options.platform, options.label, event, options.tx_key});
  listener->handler = std::move(handler);
  listener->max_concurrency = options.max_concurrency;
  listener->query.event = event;
  listener->query.tx_key = options.tx_key;
  listener->query.platform = options.platform;
  listener->query.label = options.label;
  listener->query.since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(since.time_since_epoch()).count();

  std::lock_guard lock(mutex_);
  if (closed_) throw ClosedError();
  if (!identities_.insert(listener->identity).second) {
    throw InvalidArgument("on: a listener for " + listener->identity +
                          " is already registered on this client; use another txKey, or off() "
                          "the first one");
  }
  const auto id = next_id_++;
  listener->subscription =
      Subscription(id, options.platform, options.label, std::move(event), options.tx_key);
  listener->subscription.health_ = listener->health;
  listeners_.emplace(id, listener);
  return listener;
}

ListenerRegistry::Taken ListenerRegistry::take(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  prune_drained_locked();
  const auto found = listeners_.find(id);
  if (found == listeners_.end()) {
    const auto removing = removing_.find(id);
    if (removing == removing_.end()) return {};
    return {removing->second, false};
  }
  ListenerPtr listener = std::move(found->second);
  listeners_.erase(found);
  identities_.erase(listener->identity);
  removing_.emplace(id, listener);
  return {std::move(listener), true};
}

void ListenerRegistry::forget(const ListenerPtr& listener) {
  std::lock_guard lock(mutex_);
  removing_.erase(listener->subscription.id());
}

void ListenerRegistry::prune_drained_locked() {
  // A listener removed from inside its own handler is drained only once that handler
  // returns; drop such entries when they are.
  for (auto it = removing_.begin(); it != removing_.end();) {
    it = it->second->drained.load() ? removing_.erase(it) : std::next(it);
  }
}

std::vector<ListenerPtr> ListenerRegistry::take_matching(const ListenerFilter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<ListenerPtr> taken;
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (matches(*it->second, filter)) {
      identities_.erase(it->second->identity);
      removing_.emplace(it->first, it->second);
      taken.push_back(std::move(it->second));
      it = listeners_.erase(it);
    } else {
      ++it;
    }
  }
  return taken;
}

std::vector<Subscription> ListenerRegistry::subscriptions() const {
  std::lock_guard lock(mutex_);
  std::vector<Subscription> result;
  result.reserve(listeners_.size());
  for (const auto& [id, listener] : listeners_)
    result.push_back(listener->subscription);
  return result;
}

std::vector<ListenerPtr> ListenerRegistry::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  std::vector<ListenerPtr> remaining;
  for (const auto& [id, listener] : listeners_)
    remaining.push_back(listener);
  return remaining;
}

void ListenerRegistry::clear() {
  std::lock_guard lock(mutex_);
  listeners_.clear();
  removing_.clear();
  identities_.clear();
}

}  // namespace buildable::detail
