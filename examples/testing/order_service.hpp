#pragma once
// The code under test in these examples: a service that publishes `order.placed` and handles
// `payment.received`. It takes a buildable::EventEmitter&, so unit tests can hand it a mock.

#include <buildable/buildable.hpp>
#include <cstddef>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace shop {

struct Order {
  std::string id;
  long amount_cents = 0;
};

inline void to_json(nlohmann::json& j, const Order& order) {
  j = {{"orderId", order.id}, {"amountCents", order.amount_cents}};
}

/// Publishes an order; refuses an empty one before anything is sent. Returns the message key.
inline std::string place_order(buildable::EventEmitter& events, const Order& order) {
  if (order.amount_cents <= 0) throw std::invalid_argument("an order must cost something");
  return events.emit("order.placed", order).key;
}

/// One `order.placed` event per order, for a batch.
inline std::vector<buildable::OutgoingEvent> order_events(const std::vector<Order>& orders) {
  std::vector<buildable::OutgoingEvent> events;
  for (const auto& order : orders) {
    events.push_back({"order.placed", order});
  }
  return events;
}

/// Publishes a day's orders in one batch; returns how many were published (an order the
/// service refused is skipped, not fatal).
inline std::size_t publish_orders(buildable::EventEmitter& events,
                                  const std::vector<Order>& orders) {
  std::size_t published = 0;
  for (const auto& outcome : events.emit_batch(order_events(orders))) {
    if (outcome.ok()) ++published;
  }
  return published;
}

/// publish_orders() without waiting: the future yields the message keys of the published
/// orders, in order.
inline std::future<std::vector<std::string>> publish_orders_async(
    buildable::EventEmitter& events, const std::vector<Order>& orders) {
  auto outcomes = events.emit_batch_async(order_events(orders));
  return std::async(std::launch::deferred, [outcomes = std::move(outcomes)]() mutable {
    std::vector<std::string> keys;
    for (const auto& outcome : outcomes.get()) {
      if (outcome.ok()) keys.push_back(outcome.result->key);
    }
    return keys;
  });
}

/// Handler of `payment.received`: what it returns is recorded as the transaction's output.
inline nlohmann::json on_payment(const buildable::Message& message) {
  const auto& payment = message.payload;
  if (!payment.contains("orderId")) throw std::runtime_error("a payment without an orderId");
  return {{"orderId", payment["orderId"]}, {"status", "paid"}};
}

}  // namespace shop
