#include "sambench/metrics/statistics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "sambench/base/median.h"

namespace sambench {
namespace {

TEST(ComputeStats, MeanPopulationStdMedianWithoutNaN) {
  Stats s = compute_stats({1.0, 2.0, NAN, 4.0, 5.0});
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(10.0 / 4.0));
  EXPECT_DOUBLE_EQ(s.median, 3.0);  // even count: mean of 2 and 4
  EXPECT_DOUBLE_EQ(compute_stats({3.0, 1.0, 2.0}).median, 2.0);
}

TEST(ComputeStats, NoValuesGivesNaN) {
  Stats s = compute_stats({NAN});
  EXPECT_EQ(s.count, 0);
  EXPECT_TRUE(std::isnan(s.mean));
  EXPECT_TRUE(std::isnan(s.median));
}

TEST(Percentile, LinearInterpolationBetweenRanks) {
  EXPECT_DOUBLE_EQ(percentile({4.0, 1.0, 3.0, 2.0}, 50.0), 2.5);
  EXPECT_DOUBLE_EQ(percentile({0.0, 10.0}, 95.0), 9.5);
  EXPECT_DOUBLE_EQ(percentile({7.0}, 95.0), 7.0);
  EXPECT_TRUE(std::isnan(percentile({}, 50.0)));
}

TEST(Median, MiddleValueOrMeanOfTheTwoMiddleOnes) {
  EXPECT_DOUBLE_EQ(median({5.0, 1.0, 3.0}), 3.0);
  EXPECT_DOUBLE_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_DOUBLE_EQ(median({7.0}), 7.0);
  EXPECT_TRUE(std::isnan(median({})));
}

}  // namespace
}  // namespace sambench
