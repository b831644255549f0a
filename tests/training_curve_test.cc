#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/finetune/training_curve.h"

namespace sambench {
namespace {

// Pixels of exactly this BGR colour: the curves are drawn in their own colours.
int count_colour(const cv::Mat& img, cv::Vec3b colour) {
  int n = 0;
  for (auto it = img.begin<cv::Vec3b>(); it != img.end<cv::Vec3b>(); ++it) n += *it == colour;
  return n;
}

TEST(TrainingCurve, DrawsBothSeriesAndSkipsMissingValues) {
  testing::TempDir dir;
  const double nan = std::nan("");
  std::vector<EpochRecord> log = {{0, nan, 0.1, 0}, {1, 0.9, 0.3, 0}, {2, 0.5, 0.6, 0}, {3, 0.4, 0.7, 0}};
  write_training_curve(dir / "curve.png", log);
  cv::Mat img = cv::imread((dir / "curve.png").string());
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 800);
  EXPECT_EQ(img.rows, 480);
  EXPECT_GT(count_colour(img, {200, 80, 20}), 50);  // the loss line
  EXPECT_GT(count_colour(img, {30, 140, 30}), 50);  // the Dice line

  // Without validation images the Dice series is all NaN: no Dice dots or lines, only its axis.
  for (auto& r : log) r.validation_dice = nan;
  write_training_curve(dir / "no_dice.png", log);
  cv::Mat plain = cv::imread((dir / "no_dice.png").string());
  EXPECT_LT(count_colour(plain, {30, 140, 30}), count_colour(img, {30, 140, 30}));
}

TEST(TrainingCurve, UnwritablePathIsAnErrorNamingIt) {
  std::string error = testing::error_of([] { write_training_curve("/nonexistent/dir/curve.png", {}); });
  EXPECT_TRUE(testing::contains(error, "/nonexistent/dir/curve.png")) << error;
}

}  // namespace
}  // namespace sambench
