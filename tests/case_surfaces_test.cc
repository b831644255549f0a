#include "sambench/metrics/case_surfaces.h"

#include <cmath>

#include <gtest/gtest.h>

#include "sambench/base/error.h"

namespace sambench {
namespace {

cv::Mat square_slice(cv::Rect box) {
  cv::Mat m = cv::Mat::zeros(10, 10, CV_8U);
  m(box).setTo(1);
  return m;
}

// The hand case of surface_test's VolumeUsesTheSliceSpacing, fed slice by slice.
TEST(CaseSurfaces, StacksSlicesAndScoresWhenTheCaseEnds) {
  CaseSurfaces cases({true, 2.0}, EmptyRule::kNaN);
  cv::Mat sq = square_slice({2, 2, 3, 3}), empty = cv::Mat::zeros(10, 10, CV_8U);
  cases.add("centroid", "A", 1, 1, sq, sq, {10, 10, 5}, {1, 1, 3});
  cases.add("centroid", "A", 1, 2, empty, sq, {10, 10, 5}, {1, 1, 3});
  EXPECT_TRUE(std::isnan(cases.get("centroid", "A", 1).nsd));  // not scored until the case ends
  cases.add("centroid", "B", 1, 0, sq, sq, {10, 10, 5}, {1, 1, 3});
  EXPECT_DOUBLE_EQ(cases.get("centroid", "A", 1).nsd, 18.0 / 27.0);
  EXPECT_DOUBLE_EQ(cases.get("centroid", "A", 1).hd95, 3.0);
  cases.finish();
  EXPECT_DOUBLE_EQ(cases.get("centroid", "B", 1).nsd, 1.0);
  EXPECT_TRUE(std::isnan(cases.get("box", "B", 1).nsd));
}

TEST(CaseSurfaces, ACaseComingBackIsAnError) {
  CaseSurfaces cases({true, 2.0}, EmptyRule::kNaN);
  cv::Mat sq = square_slice({2, 2, 3, 3});
  cases.add("m", "A", 1, 0, sq, sq, {10, 10, 3}, {1, 1, 1});
  cases.add("m", "B", 1, 0, sq, sq, {10, 10, 3}, {1, 1, 1});
  EXPECT_THROW(cases.add("m", "A", 1, 1, sq, sq, {10, 10, 3}, {1, 1, 1}), Error);
}

TEST(CaseSurfaces, OffComputesNothing) {
  CaseSurfaces cases({false, 2.0}, EmptyRule::kNaN);
  cv::Mat sq = square_slice({2, 2, 3, 3});
  cases.add("m", "A", 1, 0, sq, sq, {10, 10, 3}, {1, 1, 1});
  cases.finish();
  EXPECT_TRUE(std::isnan(cases.get("m", "A", 1).nsd));
}

}  // namespace
}  // namespace sambench
