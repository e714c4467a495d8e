// (a) Handler logic, tested by building a buildable::Message: no client, no server.
#include <gtest/gtest.h>

#include "order_service.hpp"

TEST(PaymentHandler, RecordsTheOrderAsPaid) {
  buildable::Message message;
  message.key = "0123456789abcdef0123456789abcdef";
  message.event = "payment.received";
  message.payload = {{"orderId", "ord_1"}, {"amountCents", 4999}};
  EXPECT_EQ(shop::on_payment(message), (nlohmann::json{{"orderId", "ord_1"}, {"status", "paid"}}));
}

TEST(PaymentHandler, FailsOnAPaymentWithoutAnOrder) {
  buildable::Message message;
  message.payload = {{"amountCents", 4999}};
  EXPECT_THROW(shop::on_payment(message), std::runtime_error);  // recorded `failed`
}
