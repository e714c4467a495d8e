// (c) End to end against an in-process emulator, through buildable::testing::EmulatorTest:
// real HTTP on loopback, the real client, the real handler.
#include <gtest/gtest.h>

#include <buildable/testing/emulator_fixture.hpp>

#include "order_service.hpp"

class OrderFlow : public buildable::testing::EmulatorTest {};

TEST_F(OrderFlow, APlacedOrderIsStored) {
  buildable::Client client(client_options());
  const std::string key = shop::place_order(client, {"ord_1", 4999});
  EXPECT_EQ(emulator().message_count(), 1);
  // The stored row holds the payload as the service does: JSON-encoded text.
  const auto payload = nlohmann::json::parse(emulator().message(key)["payload"].get<std::string>());
  EXPECT_EQ(payload["orderId"], "ord_1");
}

TEST_F(OrderFlow, APaymentIsHandledAndRecorded) {
  buildable::Client client(client_options());
  client.on("payment.received", shop::on_payment);
  const auto paid = client.emit("payment.received", {{"orderId", "ord_1"}});
  ASSERT_TRUE(eventually([&] {
    const auto transaction = emulator().transaction(paid.key, buildable::kDefaultTxKey);
    return transaction.is_object() && transaction.value("state", "") == "finished";
  }));
  client.close();
  EXPECT_EQ(emulator().transaction(paid.key, buildable::kDefaultTxKey)["output"]["status"], "paid");
}
