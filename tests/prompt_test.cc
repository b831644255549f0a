#include "sambench/prompt.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "sambench/error.h"

namespace sambench {
namespace {

TEST(Centroid, IsTheMeanPixelPosition) {
  cv::Mat mask = cv::Mat::zeros(10, 10, CV_8U);
  mask(cv::Rect(2, 4, 3, 2)).setTo(1);  // columns 2..4, rows 4..5
  cv::Point2d c = centroid(mask);
  EXPECT_DOUBLE_EQ(c.x, 3.0);
  EXPECT_DOUBLE_EQ(c.y, 4.5);
  EXPECT_TRUE(contains(mask, c));
}

TEST(Centroid, CShapeCentroidLiesOutside) {
  // A "C" opening to the right: the mass centre sits in the empty middle.
  cv::Mat mask = cv::Mat::zeros(11, 11, CV_8U);
  mask(cv::Rect(0, 0, 11, 2)).setTo(1);  // top bar
  mask(cv::Rect(0, 9, 11, 2)).setTo(1);  // bottom bar
  mask(cv::Rect(0, 0, 2, 11)).setTo(1);  // left bar
  cv::Point2d c = centroid(mask);
  // Bars: top and bottom 22 px each (x mean 5), left bar adds rows 2..8 (14 px, x mean 0.5).
  EXPECT_NEAR(c.x, (44 * 5.0 + 14 * 0.5) / 58.0, 1e-12);
  EXPECT_DOUBLE_EQ(c.y, 5.0);
  EXPECT_FALSE(contains(mask, c));
}

TEST(Contains, RoundsToTheNearestPixelCentre) {
  cv::Mat mask = cv::Mat::zeros(3, 3, CV_8U);
  mask.at<uchar>(1, 1) = 1;
  EXPECT_TRUE(contains(mask, {1.49, 0.5}));   // row 0.5 rounds up to 1
  EXPECT_FALSE(contains(mask, {1.5, 1.0}));   // column 1.5 rounds up to 2
  EXPECT_FALSE(contains(mask, {-0.6, 1.0}));  // outside the image
  EXPECT_FALSE(contains(mask, {NAN, 1.0}));
}

TEST(CentroidRule, OnePositivePoint) {
  Instance inst;
  inst.mask = cv::Mat::zeros(5, 5, CV_8U);
  inst.mask.at<uchar>(2, 3) = 1;
  auto rule = make_prompt_rule("centroid");
  Prompt p = rule->make(inst);
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0], cv::Point2d(3, 2));
  EXPECT_EQ(p.labels, std::vector<int>{kPositive});
  EXPECT_FALSE(p.box.has_value());
  EXPECT_NE(rule->describe().find("centroid"), std::string::npos);
}

TEST(PromptRules, UnknownNameIsAnError) {
  EXPECT_THROW(make_prompt_rule("centriod"), Error);
}

}  // namespace
}  // namespace sambench
