#include "sambench/metrics/bootstrap.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sambench {
namespace {

Score score(const std::string& case_id, int label, double dice) {
  Score s;
  s.class_label = label;
  s.unit = case_id;
  s.case_id = case_id;
  s.values.fill(NAN);
  s.values[size_t(Metric::kDice)] = dice;
  return s;
}

const std::vector<ClassInfo> kClasses = {{1, "a"}, {2, "b"}};
const std::vector<ClassInfo> kThreeClasses = {{1, "disk"}, {2, "box"}, {3, "crescent"}};

std::vector<Score> spread_scores() {
  std::vector<Score> scores;
  for (int i = 0; i < 20; ++i) {
    scores.push_back(score("case" + std::to_string(i), 1, 0.05 * i));
    scores.push_back(score("case" + std::to_string(i), 2, 1.0 - 0.03 * i));
  }
  return scores;
}

TEST(Bootstrap, SameSeedSameIntervalsOtherSeedOther) {
  auto scores = spread_scores();
  LevelSummary a = summarize_level("instance", "instances", scores, kClasses, 500, 7);
  LevelSummary b = summarize_level("instance", "instances", scores, kClasses, 500, 7);
  LevelSummary c = summarize_level("instance", "instances", scores, kClasses, 500, 8);
  const Stats& sa = a.classes[0].of(Metric::kDice);
  EXPECT_EQ(sa.ci_low, b.classes[0].of(Metric::kDice).ci_low);  // bit for bit
  EXPECT_EQ(sa.ci_high, b.classes[0].of(Metric::kDice).ci_high);
  EXPECT_NE(sa.ci_low, c.classes[0].of(Metric::kDice).ci_low);
  // The interval brackets the mean and is narrower than the data's range.
  EXPECT_LT(sa.ci_low, sa.mean);
  EXPECT_GT(sa.ci_high, sa.mean);
  EXPECT_GT(sa.ci_low, 0.0);
  EXPECT_LT(sa.ci_high, 0.95);
  const Stats& fg = a.overall.over_classes[size_t(Metric::kDice)];
  EXPECT_LT(fg.ci_low, fg.mean);
  EXPECT_GT(fg.ci_high, fg.mean);
  // A metric without values has no interval.
  EXPECT_TRUE(std::isnan(a.classes[0].of(Metric::kNSD).ci_low));
}

TEST(Bootstrap, NoResamplesNoIntervals) {
  LevelSummary level = summarize_level("instance", "instances", spread_scores(), kClasses);
  EXPECT_TRUE(std::isnan(level.classes[0].of(Metric::kDice).ci_low));
}

// Case A holds three rows of 1, case B one row of 0. Drawing cases, a resample is AA (mean 1),
// AB (0.75) or BB (0), BB a quarter of the time, so the 2.5th percentile is 0; drawing rows
// independently would almost never give 0.
TEST(Bootstrap, ResamplesWholeCases) {
  std::vector<Score> scores = {score("A", 1, 1.0), score("A", 1, 1.0), score("A", 1, 1.0), score("B", 1, 0.0)};
  LevelSummary level = summarize_level("instance", "instances", scores, kClasses, 1000, 0);
  const Stats& s = level.classes[0].of(Metric::kDice);
  EXPECT_DOUBLE_EQ(s.mean, 0.75);
  EXPECT_DOUBLE_EQ(s.ci_low, 0.0);
  EXPECT_DOUBLE_EQ(s.ci_high, 1.0);
}

// The shape of the demo comparison of SAM ViT-B and SAM 2.1 tiny (docs/outputs.md): two images,
// A with one object of each class, B with two disks, a box and a crescent. Two cases make three
// resamples, AA, AB (the estimate) and BB, so each end of an interval is one of them. The mean
// over instances of AB lies between AA's and BB's, but the mean over classes need not: the disk's
// mean pools one of A's values with two of B's, the others one with one. Here AB's mean over
// classes is below both, so the 2.5th percentile is the estimate itself, as in the demo's
// "-0.080 [-0.080, 0.303]": what a percentile bootstrap of two cases gives, not a fault.
TEST(Bootstrap, TwoCasesTheMeanOverClassesCanBeItsOwnLowerBound) {
  const std::vector<Score> scores = {score("A", 1, -0.5), score("A", 2, -1.0), score("A", 3, 2.4),
                                     score("B", 1, -4.5), score("B", 1, -4.5), score("B", 2, -1.5),
                                     score("B", 3, 6.0)};
  const LevelSummary level = summarize_level("instance", "instances", scores, kThreeClasses, 1000, 0);
  const double aa = (-0.5 - 1.0 + 2.4) / 3.0;        // A alone: one value per class, both means
  const double bb_classes = (-4.5 - 1.5 + 6.0) / 3.0, bb_rows = (-4.5 - 4.5 - 1.5 + 6.0) / 4.0;
  const Stats& classes = level.overall.over_classes[size_t(Metric::kDice)];
  ASSERT_LT(classes.mean, bb_classes);
  ASSERT_LT(classes.mean, aa);
  EXPECT_DOUBLE_EQ(classes.ci_low, classes.mean);
  EXPECT_DOUBLE_EQ(classes.ci_high, aa);
  const Stats& rows = level.overall.over_rows[size_t(Metric::kDice)];
  EXPECT_DOUBLE_EQ(rows.ci_low, bb_rows);
  EXPECT_DOUBLE_EQ(rows.ci_high, aa);
  EXPECT_GT(rows.mean, rows.ci_low);
  EXPECT_LT(rows.mean, rows.ci_high);
}

TEST(Bootstrap, OneCaseGivesAPointInterval) {
  std::vector<Score> scores = {score("A", 1, 0.2), score("A", 1, 0.6)};
  LevelSummary level = summarize_level("instance", "instances", scores, kClasses, 100, 0);
  EXPECT_DOUBLE_EQ(level.classes[0].of(Metric::kDice).ci_low, 0.4);
  EXPECT_DOUBLE_EQ(level.classes[0].of(Metric::kDice).ci_high, 0.4);
}

}  // namespace
}  // namespace sambench
