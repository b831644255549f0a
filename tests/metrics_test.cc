#include "sambench/metrics/metrics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "sambench/base/error.h"

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

TEST(PrecisionRecall, MatchDefinitionAndEmptyCases) {
  Overlap o{4, 6, 2};
  EXPECT_DOUBLE_EQ(precision(o, EmptyRule::kNaN), 0.5);       // 2 / 4
  EXPECT_DOUBLE_EQ(recall(o, EmptyRule::kNaN), 2.0 / 6.0);    // 2 / 6
  Overlap missed{0, 7, 0}, spurious{3, 0, 0}, none{0, 0, 0};
  for (EmptyRule rule : {EmptyRule::kNaN, EmptyRule::kOne}) {
    EXPECT_DOUBLE_EQ(precision(missed, rule), 0.0);
    EXPECT_DOUBLE_EQ(recall(missed, rule), 0.0);
    EXPECT_DOUBLE_EQ(precision(spurious, rule), 0.0);
    EXPECT_DOUBLE_EQ(recall(spurious, rule), 0.0);
  }
  EXPECT_TRUE(std::isnan(precision(none, EmptyRule::kNaN)));
  EXPECT_TRUE(std::isnan(recall(none, EmptyRule::kNaN)));
  EXPECT_DOUBLE_EQ(precision(none, EmptyRule::kOne), 1.0);
  EXPECT_DOUBLE_EQ(recall(none, EmptyRule::kOne), 1.0);
}

TEST(MetricNames, RoundTripAndUnknownIsAnError) {
  for (Metric m : kMetrics) EXPECT_EQ(parse_metric(metric_name(m)), m);
  EXPECT_THROW(parse_metric("hd"), Error);
}

}  // namespace
}  // namespace sambench
