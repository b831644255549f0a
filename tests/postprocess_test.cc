#include "sambench/postprocess.h"

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(UpscaleLogits, ReturnsOriginalSize) {
  std::vector<float> low(256 * 256, 1.5f);
  ResizeTransform t = longest_side_transform(300, 500, 1024);
  cv::Mat up = upscale_logits(low.data(), 256, t);
  EXPECT_EQ(up.size(), cv::Size(500, 300));
  EXPECT_EQ(up.type(), CV_32F);
  EXPECT_FLOAT_EQ(up.at<float>(299, 499), 1.5f);
}

TEST(UpscaleLogits, CropsThePaddedRegionAway) {
  // A 512 x 256 (H x W) image fills the left half of the 1024 canvas, so low-res columns
  // 0..127 are the image and 128..255 are padding. Without the crop, the right half of the
  // result would come from the negative padding logits.
  std::vector<float> low(256 * 256);
  for (int r = 0; r < 256; ++r) {
    for (int c = 0; c < 256; ++c) low[r * 256 + c] = c < 128 ? 1.0f : -1.0f;
  }
  ResizeTransform t = longest_side_transform(512, 256, 1024);
  ASSERT_EQ(t.new_w, 512);
  cv::Mat mask = threshold_logits(upscale_logits(low.data(), 256, t), 0.0f);
  EXPECT_EQ(mask.size(), cv::Size(256, 512));
  // Bilinear blending reaches the crop edge only in the last column.
  EXPECT_EQ(cv::countNonZero(mask.colRange(0, 255)), 512 * 255);
}

TEST(ThresholdLogits, StrictlyGreater) {
  cv::Mat logits = (cv::Mat_<float>(1, 3) << -0.5f, 0.0f, 0.25f);
  cv::Mat mask = threshold_logits(logits, 0.0f);
  EXPECT_EQ(mask.type(), CV_8U);
  EXPECT_EQ(mask.at<uchar>(0, 0), 0);
  EXPECT_EQ(mask.at<uchar>(0, 1), 0);
  EXPECT_EQ(mask.at<uchar>(0, 2), 1);
}

}  // namespace
}  // namespace sambench
