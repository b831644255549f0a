#include "sambench/model/preprocess.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace sambench {
namespace {

cv::Mat row(std::initializer_list<uchar> values) {
  cv::Mat m(1, static_cast<int>(values.size()), CV_8UC1);
  int i = 0;
  for (uchar v : values) m.at<uchar>(0, i++) = v;
  return m;
}

TEST(LongestSideTransform, LongestSideBecomesTarget) {
  ResizeTransform t = longest_side_transform(480, 640, 1024);
  EXPECT_EQ(t.new_w, 1024);
  EXPECT_EQ(t.new_h, 768);
}

TEST(LongestSideTransform, RoundsHalfUpLikeSamPredictor) {
  // 767 * 1024 / 1022 = 768.50...: int(x + 0.5) gives 769, banker's or floor rounding 768.
  EXPECT_EQ(longest_side_transform(767, 1022, 1024).new_h, 769);
  EXPECT_EQ(longest_side_transform(130, 200, 1024).new_h, 666);
  ResizeTransform portrait = longest_side_transform(500, 300, 1024);
  EXPECT_EQ(portrait.new_h, 1024);
  EXPECT_EQ(portrait.new_w, 614);
}

TEST(ResizeTransform, ScalesPointsPerAxis) {
  ResizeTransform t = longest_side_transform(480, 640, 1024);
  cv::Point2d p = t.apply({100.0, 50.0});
  EXPECT_DOUBLE_EQ(p.x, 160.0);
  EXPECT_DOUBLE_EQ(p.y, 80.0);
}

TEST(PilResize, DownscaleAntialiasesWithStretchedTriangle) {
  // Hand-computed from PIL's algorithm: output 0 has support 2 around x=1.0, weights 3/7, 3/7,
  // 1/7 over inputs 0..2 → 500/7 = 71.4 → 71; output 1: 1/7, 3/7, 3/7 over 1..3 → 121.
  // A plain bilinear (cv::resize) averages pairs instead: 50 and 125.
  cv::Mat out = pil_resize_bilinear(row({0, 100, 200, 50}), 2, 1);
  ASSERT_EQ(out.cols, 2);
  EXPECT_EQ(out.at<uchar>(0, 0), 71);
  EXPECT_EQ(out.at<uchar>(0, 1), 121);

  cv::Mat cv_out;
  cv::resize(row({0, 100, 200, 50}), cv_out, {2, 1}, 0, 0, cv::INTER_LINEAR);
  EXPECT_NE(cv_out.at<uchar>(0, 0), out.at<uchar>(0, 0));
}

TEST(PilResize, UpscaleInterpolatesBetweenPixelCentres) {
  // Output centres at 0.25, 0.75, 1.25, 1.75 in input units; edges clamp.
  // Fixed-point rounding floors 25.5 and 75.5 (PIL adds half before its shift, then the
  // weights 0.25/0.75 give exactly .5 + .0).
  cv::Mat out = pil_resize_bilinear(row({0, 100}), 4, 1);
  ASSERT_EQ(out.cols, 4);
  EXPECT_EQ(out.at<uchar>(0, 0), 0);
  EXPECT_EQ(out.at<uchar>(0, 1), 25);
  EXPECT_EQ(out.at<uchar>(0, 2), 75);
  EXPECT_EQ(out.at<uchar>(0, 3), 100);
}

TEST(PilResize, ResizesBothAxesAndKeepsChannels) {
  cv::Mat src(3, 5, CV_8UC3, cv::Scalar(10, 20, 30));
  cv::Mat out = pil_resize_bilinear(src, 8, 6);
  ASSERT_EQ(out.size(), cv::Size(8, 6));
  ASSERT_EQ(out.type(), CV_8UC3);
  // A flat image stays flat: the weights of every output pixel sum to one.
  EXPECT_EQ(out.at<cv::Vec3b>(5, 7), cv::Vec3b(10, 20, 30));
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));
}

TEST(PilResize, SameSizeIsACopy) {
  cv::Mat src = row({1, 2, 3});
  cv::Mat out = pil_resize_bilinear(src, 3, 1);
  EXPECT_EQ(cv::countNonZero(out != src), 0);
  EXPECT_NE(out.data, src.data);
}

TEST(MakeModelInput, NormalizesAndZeroPads) {
  cv::Mat rgb(2, 4, CV_8UC3, cv::Scalar(100, 150, 200));
  ResizeTransform t = longest_side_transform(2, 4, 8);  // 4x8 inside an 8x8 canvas
  Normalization norm{{100.f, 100.f, 100.f}, {10.f, 50.f, 100.f}};
  std::vector<float> input = make_model_input(rgb, t, sam_profile(), norm);
  ASSERT_EQ(input.size(), 3u * 8 * 8);
  EXPECT_FLOAT_EQ(input[0], 0.0f);             // R: (100-100)/10
  EXPECT_FLOAT_EQ(input[64 + 3 * 8 + 7], 1.0f);  // G at row 3, col 7: (150-100)/50
  EXPECT_FLOAT_EQ(input[128], 1.0f);           // B: (200-100)/100
  EXPECT_FLOAT_EQ(input[4 * 8 + 0], 0.0f);     // row 4 is padding
  EXPECT_FLOAT_EQ(input[128 + 7 * 8 + 7], 0.0f);
}

}  // namespace
}  // namespace sambench
