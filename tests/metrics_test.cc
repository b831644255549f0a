#include "sambench/metrics.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(Overlap, CountsPixels) {
  cv::Mat p = cv::Mat::zeros(4, 4, CV_8U), g = cv::Mat::zeros(4, 4, CV_8U);
  p(cv::Rect(0, 0, 2, 2)).setTo(1);    // 4 px
  g(cv::Rect(1, 0, 3, 2)).setTo(255);  // 6 px, any non-zero counts
  Overlap o = overlap(p, g);
  EXPECT_EQ(o.prediction, 4);
  EXPECT_EQ(o.truth, 6);
  EXPECT_EQ(o.intersection, 2);
}

TEST(Dice, MatchesDefinition) {
  Overlap o{4, 6, 2};
  EXPECT_DOUBLE_EQ(dice(o, EmptyRule::kNaN), 0.4);  // 2*2 / (4+6)
  EXPECT_DOUBLE_EQ(iou(o, EmptyRule::kNaN), 0.25);  // 2 / 8
  Overlap same{5, 5, 5};
  EXPECT_DOUBLE_EQ(dice(same, EmptyRule::kNaN), 1.0);
  EXPECT_DOUBLE_EQ(iou(same, EmptyRule::kNaN), 1.0);
}

TEST(Dice, EmptyPredictionScoresZero) {
  Overlap o{0, 7, 0};
  EXPECT_DOUBLE_EQ(dice(o, EmptyRule::kNaN), 0.0);
  EXPECT_DOUBLE_EQ(iou(o, EmptyRule::kOne), 0.0);
}

TEST(Dice, EmptyTruthWithPredictionScoresZeroUnderBothRules) {
  Overlap o{3, 0, 0};
  EXPECT_DOUBLE_EQ(dice(o, EmptyRule::kNaN), 0.0);
  EXPECT_DOUBLE_EQ(dice(o, EmptyRule::kOne), 0.0);
}

TEST(Dice, BothEmptyFollowsTheRule) {
  Overlap o{0, 0, 0};
  EXPECT_TRUE(std::isnan(dice(o, EmptyRule::kNaN)));
  EXPECT_TRUE(std::isnan(iou(o, EmptyRule::kNaN)));
  EXPECT_DOUBLE_EQ(dice(o, EmptyRule::kOne), 1.0);
  EXPECT_DOUBLE_EQ(iou(o, EmptyRule::kOne), 1.0);
}

TEST(EmptyRule, ParsesNames) {
  EXPECT_EQ(parse_empty_rule("nan"), EmptyRule::kNaN);
  EXPECT_EQ(parse_empty_rule("one"), EmptyRule::kOne);
  EXPECT_ANY_THROW(parse_empty_rule("zero"));
}

}  // namespace
}  // namespace sambench
