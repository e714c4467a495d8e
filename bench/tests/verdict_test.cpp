// The benchmark's judgement of sampled medians: the interval it prints and the verdict it
// takes from it (bench/measure.hpp, bench/report.hpp).

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "measure.hpp"
#include "report.hpp"

namespace bench {
namespace {

std::vector<double> one_to(int n) {
  std::vector<double> v;
  for (int i = n; i >= 1; --i)
    v.push_back(i);  // unsorted on purpose
  return v;
}

TEST(MedianInterval, IsTheOrderStatisticsAboutASquareRootEitherSideOfTheMiddle) {
  // n = 400: 0.98 * sqrt(400) = 19.6 ranks either side of 200.
  const Interval i = median_interval(one_to(400));
  EXPECT_EQ(i.low, 181);
  EXPECT_EQ(i.high, 220);
}

TEST(MedianInterval, TooFewValuesBoundNothing) {
  for (const int n : {0, 1, 3, 9}) {
    const Interval i = median_interval(one_to(n));
    EXPECT_TRUE(std::isinf(i.low) && i.low < 0) << n;
    EXPECT_TRUE(std::isinf(i.high) && i.high > 0) << n;
    EXPECT_EQ(median_within(i, 1e9), std::nullopt) << n;
  }
  EXPECT_TRUE(std::isfinite(median_interval(one_to(10)).high));
}

TEST(MedianInterval, HoldsTheTrueMedianAboutNineteenTimesInTwenty) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> wait(0, 50);  // true median 25
  int held = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> samples(500);
    for (auto& s : samples)
      s = wait(rng);
    const Interval i = median_interval(samples);
    if (i.low <= 25 && 25 <= i.high) ++held;
  }
  EXPECT_GT(held, trials * 92 / 100);
  EXPECT_LT(held, trials * 98 / 100);
}

TEST(MedianWithin, DecidesOnlyWhenTheWholeIntervalIsOnOneSide) {
  EXPECT_EQ(median_within({20, 24}, 25), true);
  EXPECT_EQ(median_within({20, 25}, 25), true);
  EXPECT_EQ(median_within({26, 30}, 25), false);
  EXPECT_EQ(median_within({25.01, 30}, 25), false);
  EXPECT_EQ(median_within({25, 30}, 25), std::nullopt);
  EXPECT_EQ(median_within({24, 26}, 25), std::nullopt);
}

TEST(RowVerdict, ASampledMedianStraddlingItsBoundIsUndecided) {
  Row row;
  row.sdk = summarize({24.5});
  row.goal = Goal::median_at_most("P4", 25, {23, 27});
  EXPECT_EQ(row.meets(), std::nullopt);
  EXPECT_EQ(row.verdict(), "undecided");
  row.goal = Goal::median_at_most("P4", 25, {26, 27});
  EXPECT_EQ(row.verdict(), "MISS");
  row.goal = Goal::median_at_most("P4", 25, {20, 24});
  EXPECT_EQ(row.verdict(), "ok");
  row.goal = Goal::sdk_at_most("P4", 25);  // a point figure: judged on the median itself
  EXPECT_EQ(row.verdict(), "ok");
  row.goal = Goal::none();
  EXPECT_EQ(row.verdict(), "");
  row.goal = Goal::median_at_most("P4", 25, median_interval({24.5}));  // one sample
  EXPECT_EQ(row.verdict(), "undecided");
}

}  // namespace
}  // namespace bench
