// (b) Code that emits, unit-tested with buildable::testing::MockEventEmitter: no server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <buildable/testing/mock_event_emitter.hpp>

#include "order_service.hpp"

using ::testing::_;
using ::testing::Return;

TEST(PlaceOrder, EmitsTheOrderAsJson) {
  buildable::testing::MockEventEmitter events;
  const nlohmann::json expected = {{"orderId", "ord_1"}, {"amountCents", 4999}};
  EXPECT_CALL(events, emit(std::string_view("order.placed"), expected))
      .WillOnce(Return(buildable::EmitResult{"k-1", 1}));
  EXPECT_EQ(shop::place_order(events, {"ord_1", 4999}), "k-1");
}

TEST(PlaceOrder, RefusesAFreeOrderWithoutEmitting) {
  buildable::testing::MockEventEmitter events;
  EXPECT_CALL(events, emit(_, _)).Times(0);
  EXPECT_THROW(shop::place_order(events, {"ord_2", 0}), std::invalid_argument);
}

TEST(PlaceOrder, LetsTheServiceErrorThrough) {
  buildable::testing::MockEventEmitter events;
  EXPECT_CALL(events, emit(_, _))
      .WillOnce([](std::string_view, const nlohmann::json&) -> buildable::EmitResult {
        throw buildable::HttpError(503, "unavailable", "try later");
      });
  EXPECT_THROW(shop::place_order(events, {"ord_3", 100}), buildable::HttpError);
}
