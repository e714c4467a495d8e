// How the report takes a row's ratio: per repetition for runs made side by side, from the
// medians otherwise (bench/report.hpp).

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "measure.hpp"
#include "report.hpp"

namespace bench {
namespace {

// Rates from one real run (emit, 8 in flight): the machine slowed down during the SDK's
// first repetition and sped up during the baseline's, so the two medians come from
// different stretches while every pair ran under the same conditions.
const std::vector<double> kSdk = {26460, 34074, 33856, 35794, 36044};
const std::vector<double> kBase = {39094, 36747, 36216, 38968, 38573};

Row rate_row(bool paired, std::vector<double> sdk = kSdk, std::vector<double> base = kBase) {
  Row row;
  row.section = "emit 8 in flight";
  row.metric = "rate";
  row.unit = "req/s";
  row.sdk = summarize(std::move(sdk));
  row.baseline = "raw multi";
  row.base = summarize(std::move(base));
  row.goal = Goal::min_ratio("P2", 0.90);
  row.paired = paired;
  return row;
}

TEST(RowRatio, PairedRowsTakeTheMedianOfThePerRepetitionRatios) {
  const Row row = rate_row(true);
  const std::vector<double> ratios = row.paired_ratios();
  ASSERT_EQ(ratios.size(), kSdk.size());
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    EXPECT_DOUBLE_EQ(ratios[i], kSdk[i] / kBase[i]) << i;  // in repetition order
  }
  // Ratios 0.677, 0.927, 0.935, 0.919, 0.934: the median is the second repetition's.
  ASSERT_TRUE(row.ratio().has_value());
  EXPECT_DOUBLE_EQ(*row.ratio(), kSdk[1] / kBase[1]);
  EXPECT_EQ(row.meets(), true);
}

TEST(RowRatio, UnpairedRowsDivideTheMedians) {
  const Row row = rate_row(false);
  EXPECT_TRUE(row.paired_ratios().empty());
  ASSERT_TRUE(row.ratio().has_value());
  EXPECT_DOUBLE_EQ(*row.ratio(), 34074.0 / 38573.0);  // 0.883
  EXPECT_EQ(row.meets(), false);
}

TEST(RowRatio, PairedRowsWithUnequalSampleCountsFallBackToTheMedians) {
  const Row row = rate_row(true, kSdk, {39094, 36747, 36216, 38968});
  EXPECT_TRUE(row.paired_ratios().empty());
  ASSERT_TRUE(row.ratio().has_value());
  EXPECT_DOUBLE_EQ(*row.ratio(), 34074.0 / ((36747.0 + 38968.0) / 2));
}

TEST(RowRatio, AZeroBaselineGivesNoRatio) {
  EXPECT_FALSE(rate_row(true, {1, 2}, {0, 0}).ratio().has_value());
  EXPECT_FALSE(rate_row(false, {1, 2}, {0, 0}).ratio().has_value());
  // One zero among the pairs: no per-repetition ratio, the medians decide.
  const Row row = rate_row(true, {1, 2, 3}, {0, 2, 2});
  EXPECT_TRUE(row.paired_ratios().empty());
  EXPECT_DOUBLE_EQ(*row.ratio(), 1.0);
}

TEST(RowRatio, TheTableShowsThePairedRatioWithItsRangeAndTheJsonEachRatio) {
  Report report;
  report.rows.push_back(rate_row(true));
  report.rows.push_back(rate_row(false));
  std::ostringstream table;
  report.print_table(table);
  EXPECT_NE(table.str().find("0.927x [0.677-0.935]"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("0.883x "), std::string::npos) << table.str();

  const nlohmann::json j = report.to_json();
  ASSERT_EQ(j["rows"].size(), 2u);
  ASSERT_EQ(j["rows"][0]["paired_ratios"].size(), kSdk.size());
  EXPECT_DOUBLE_EQ(j["rows"][0]["paired_ratios"][0].get<double>(), kSdk[0] / kBase[0]);
  EXPECT_DOUBLE_EQ(j["rows"][0]["ratio"].get<double>(), kSdk[1] / kBase[1]);
  EXPECT_FALSE(j["rows"][1].contains("paired_ratios"));
}

}  // namespace
}  // namespace bench
