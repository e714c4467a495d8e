// (b) Code that emits, unit-tested with buildable::testing::MockEventEmitter: no server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <buildable/testing/mock_event_emitter.hpp>
#include <exception>
#include <string>
#include <vector>

#include "order_service.hpp"

using ::testing::_;
using ::testing::ByMove;
using ::testing::ElementsAre;
using ::testing::Field;
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

// Batches: emit_batch() and emit_batch_async() are part of EventEmitter, so they mock too.
TEST(PublishOrders, SendsOneBatchAndCountsWhatWasPublished) {
  buildable::testing::MockEventEmitter events;
  buildable::EmitOutcome published;
  published.result = buildable::EmitResult{"k-1", 1};
  buildable::EmitOutcome refused;
  refused.error = std::make_exception_ptr(buildable::HttpError(503, "unavailable", "try later"));
  const auto is_order = [](const char* id) {
    return Field(&buildable::OutgoingEvent::payload,
                 nlohmann::json({{"orderId", id}, {"amountCents", 100}}));
  };
  EXPECT_CALL(events, emit_batch(ElementsAre(is_order("ord_1"), is_order("ord_2"))))
      .WillOnce(Return(std::vector<buildable::EmitOutcome>{published, refused}));
  EXPECT_EQ(shop::publish_orders(events, {{"ord_1", 100}, {"ord_2", 100}}), 1u);
}

TEST(PublishOrders, AsynchronousBatchYieldsThePublishedKeys) {
  buildable::testing::MockEventEmitter events;
  buildable::EmitOutcome first;
  first.result = buildable::EmitResult{"k-1", 1};
  buildable::EmitOutcome second;
  second.result = buildable::EmitResult{"k-2", 1};
  EXPECT_CALL(events, emit_batch_async(_))
      .WillOnce(Return(ByMove(buildable::testing::ready_emit_batch({first, second}))));
  EXPECT_CALL(events, emit_batch(_)).Times(0);
  auto keys = shop::publish_orders_async(events, {{"ord_1", 100}, {"ord_2", 200}});
  EXPECT_EQ(keys.get(), (std::vector<std::string>{"k-1", "k-2"}));
}
