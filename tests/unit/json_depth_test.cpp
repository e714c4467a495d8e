#include "detail/support/json_depth.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <nlohmann/json.hpp>

#include "nested_json.hpp"

namespace {

using buildable::detail::kMaxJsonDepth;
using buildable::detail::kMaxSentJsonDepth;
using buildable::detail::nests_deeper_than;
using nlohmann::json;

using buildable::testing::nested_arrays;
using buildable::testing::nested_objects;

TEST(JsonDepthTest, ScalarsHaveNoDepth) {
  for (const json& scalar : {json(nullptr), json(1), json("text"), json(true), json(1.5)}) {
    EXPECT_FALSE(nests_deeper_than(scalar, 0)) << scalar;
  }
}

TEST(JsonDepthTest, EmptyContainersAreOneLevel) {
  EXPECT_TRUE(nests_deeper_than(json::object(), 0));
  EXPECT_FALSE(nests_deeper_than(json::object(), 1));
  EXPECT_FALSE(nests_deeper_than(json::array(), 1));
}

TEST(JsonDepthTest, ScalarsInsideTheDeepestContainerDoNotAddALevel) {
  const json value = {{"a", {{"b", {1, 2, "three"}}}}};  // object, object, array: 3 levels
  EXPECT_FALSE(nests_deeper_than(value, 3));
  EXPECT_TRUE(nests_deeper_than(value, 2));
}

TEST(JsonDepthTest, TheDeepestBranchCountsWhereverItIs) {
  json value = {{"flat", 1}, {"wide", json::array({1, 2, 3})}};
  value["z"] = nested_objects(10);  // 11 levels with the outer object
  EXPECT_FALSE(nests_deeper_than(value, 11));
  EXPECT_TRUE(nests_deeper_than(value, 10));
  json arrays = json::array({json::array(), nested_arrays(5), 7});  // 6 levels
  EXPECT_FALSE(nests_deeper_than(arrays, 6));
  EXPECT_TRUE(nests_deeper_than(arrays, 5));
}

TEST(JsonDepthTest, WideContainersAreSearchedToTheEnd) {
  // Far more arrays and objects side by side than the check keeps in place (it keeps the
  // rest on the heap): a deep branch among the last ones still counts.
  for (const std::size_t at : {0, 31, 32, 33, 150, 299}) {
    json wide = json::array();
    for (int i = 0; i < 300; ++i)
      wide.push_back(json::object({{"n", json::array({i})}}));  // 3 levels with the outer array
    wide[at] = nested_arrays(8);                                // 9 levels
    EXPECT_FALSE(nests_deeper_than(wide, 9)) << at;
    EXPECT_TRUE(nests_deeper_than(wide, 8)) << at;
  }
}

TEST(JsonDepthTest, FindDefectNamesDepthAndDiscardedValues) {
  using buildable::detail::find_defect;
  using buildable::detail::JsonDefect;
  const json discarded(json::value_t::discarded);
  EXPECT_EQ(find_defect(json{{"a", {1, "x"}}}, 3), JsonDefect::none);
  EXPECT_EQ(find_defect(nested_arrays(5), 4), JsonDefect::too_deep);
  EXPECT_EQ(find_defect(discarded, 4), JsonDefect::discarded);
  EXPECT_EQ(find_defect(json{{"a", {{"b", json::array({1, discarded})}}}}, 8),
            JsonDefect::discarded);
  // nests_deeper_than() looks at depth alone.
  EXPECT_FALSE(nests_deeper_than(json{{"a", discarded}}, 3));
}

TEST(JsonDepthTest, ExactlyAtTheLimitIsNotDeeper) {
  EXPECT_FALSE(nests_deeper_than(nested_objects(kMaxSentJsonDepth), kMaxSentJsonDepth));
  EXPECT_TRUE(nests_deeper_than(nested_objects(kMaxSentJsonDepth + 1), kMaxSentJsonDepth));
  EXPECT_FALSE(nests_deeper_than(nested_arrays(kMaxSentJsonDepth), kMaxSentJsonDepth));
  EXPECT_TRUE(nests_deeper_than(nested_arrays(kMaxSentJsonDepth + 1), kMaxSentJsonDepth));
}

TEST(JsonDepthTest, AnyDepthIsCheckedWithoutOverflowingTheStack) {
  // Recursing once per level would overflow the stack long before this depth.
  const json deep = nested_objects(200'000);
  EXPECT_TRUE(nests_deeper_than(deep, kMaxSentJsonDepth));
  EXPECT_FALSE(nests_deeper_than(deep, 200'000));
  const json deep_arrays = nested_arrays(200'000);
  EXPECT_TRUE(nests_deeper_than(deep_arrays, kMaxSentJsonDepth));
}

TEST(JsonDepthTest, SentValuesLeaveRoomForTheRequestsOwnObject) {
  // A payload inside {"event":..,"payload":P} must keep the body within what the SDK (and the
  // emulator) accept when they parse JSON.
  EXPECT_EQ(kMaxSentJsonDepth + 1, kMaxJsonDepth);
}

}  // namespace
