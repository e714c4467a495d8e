#pragma once
// The code under test in these examples: a service that publishes `order.placed` and handles
// `payment.received`. It takes a buildable::EventEmitter&, so unit tests can hand it a mock.

#include <buildable/buildable.hpp>
#include <stdexcept>
#include <string>

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

/// Handler of `payment.received`: what it returns is recorded as the transaction's output.
inline nlohmann::json on_payment(const buildable::Message& message) {
  const auto& payment = message.payload;
  if (!payment.contains("orderId")) throw std::runtime_error("a payment without an orderId");
  return {{"orderId", payment["orderId"]}, {"status", "paid"}};
}

}  // namespace shop
