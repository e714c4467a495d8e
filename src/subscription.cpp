#include <buildable/client.hpp>
#include <buildable/subscription.hpp>
#include <utility>

#include "client_impl.hpp"
#include "detail/listen/listener_health.hpp"
#include "detail/protocol/listener_identity.hpp"

namespace buildable {

Subscription::Subscription(std::uint64_t id, std::string platform, std::string label,
                           std::string event, std::string tx_key)
    : id_(id),
      platform_(std::move(platform)),
      label_(std::move(label)),
      event_(std::move(event)),
      tx_key_(std::move(tx_key)) {}

std::string Subscription::identity() const {
  return detail::format_identity({platform_, label_, event_, tx_key_});
}

ListenerStatus Subscription::status() const {
  return health_ ? health_->get() : ListenerStatus{};
}

ScopedSubscription::ScopedSubscription(ScopedSubscription&& other) noexcept
    : client_(std::move(other.client_)),
      subscription_(std::exchange(other.subscription_, Subscription())) {}

ScopedSubscription::ScopedSubscription(Client& client, Subscription subscription)
    : client_(detail::ClientImpl::weak_from(client)), subscription_(std::move(subscription)) {}

ScopedSubscription& ScopedSubscription::operator=(ScopedSubscription&& other) noexcept {
  if (this != &other) {
    reset();
    client_ = std::move(other.client_);
    subscription_ = std::exchange(other.subscription_, Subscription());
  }
  return *this;
}

ScopedSubscription::~ScopedSubscription() {
  reset();
}

Subscription ScopedSubscription::release() noexcept {
  client_.reset();
  return std::exchange(subscription_, Subscription());
}

void ScopedSubscription::reset() {
  if (auto client = client_.lock(); client && subscription_) client->off(subscription_);
  client_.reset();
  subscription_ = Subscription();
}

}  // namespace buildable
