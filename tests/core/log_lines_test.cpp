// The handler pool's queue of diagnostic lines (LogHandler: "At most 4,096 such lines wait;
// past that they are dropped and a `warning` line says how many"), driven directly: a logger
// held inside its first line while 4,999 more arrive.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "detail/listen/callback_pool.hpp"
#include "gate.hpp"

namespace core_test {
namespace {

using buildable::LogLevel;
using buildable::detail::CallbackPool;

TEST(LogLines, AtMost4096WaitAndTheDroppedOnesAreCountedInAWarning) {
  buildable::testing::Gate inside_first, release_first;
  std::mutex mutex;
  std::vector<std::pair<LogLevel, std::string>> delivered;
  CallbackPool::Callbacks callbacks;
  callbacks.handled = [](const auto&, const auto&, auto) {};
  callbacks.abandoned = [](const auto&, auto) {};
  callbacks.deliver = [](const auto&) {};
  callbacks.log = [&](LogLevel level, const std::string& line) {
    if (line == "first") {
      inside_first.open();
      release_first.wait();
    }
    std::lock_guard lock(mutex);
    delivered.emplace_back(level, line);
  };
  CallbackPool pool(1, 16, callbacks);

  pool.log(LogLevel::debug, "first");
  ASSERT_TRUE(inside_first.wait()) << "the pool did not deliver the first line";
  constexpr int kMore = 4'999;
  for (int i = 0; i < kMore; ++i)
    pool.log(LogLevel::debug, "line " + std::to_string(i));
  release_first.open();
  pool.finish();  // the lines still queued are delivered here

  std::lock_guard lock(mutex);
  const std::size_t queued = CallbackPool::kMaxQueuedLines;
  const std::size_t dropped = kMore - queued;
  ASSERT_EQ(delivered.size(), 1 + 1 + queued) << "the first, the warning, the queued lines";
  EXPECT_EQ(delivered[0].second, "first");
  EXPECT_EQ(delivered[1].first, LogLevel::warning);
  EXPECT_EQ(
      delivered[1].second.rfind(std::to_string(dropped) + " diagnostic lines were dropped", 0), 0u)
      << delivered[1].second;
  // The oldest lines are kept, in order; the newest were dropped.
  EXPECT_EQ(delivered[2].second, "line 0");
  EXPECT_EQ(delivered.back().second, "line " + std::to_string(queued - 1));
}

}  // namespace
}  // namespace core_test
