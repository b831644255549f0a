#include "sambench/metrics/surface.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sambench {
namespace {

cv::Mat square(int rows, int cols, cv::Rect box) {
  cv::Mat m = cv::Mat::zeros(rows, cols, CV_8U);
  m(box).setTo(255);
  return m;
}

// G: the 5x5 square at (5..9, 5..9); P: the same shifted 2 px right. Each surface is a 16-pixel
// ring. Distances from P's ring to G's (the mirror image gives the same multiset): top and
// bottom rows 0,0,0,1,2; left column 1,2,1; right column 2,2,2 (in pixels).
TEST(SurfaceScores, ShiftedSquareByHand) {
  cv::Mat g = square(20, 20, {5, 5, 5, 5}), p = square(20, 20, {7, 5, 5, 5});
  SurfaceScores s = surface_scores(p, g, {1.0, 1.0}, 1.0, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(s.nsd, 20.0 / 32.0);  // 6 zeros + 4 ones per side
  EXPECT_DOUBLE_EQ(s.hd95, 2.0);         // sorted 0x6, 1x4, 2x6: rank 14.25 lies among the 2s
  EXPECT_DOUBLE_EQ(surface_scores(p, g, {1.0, 1.0}, 2.0, EmptyRule::kNaN).nsd, 1.0);
  EXPECT_DOUBLE_EQ(surface_scores(p, g, {1.0, 1.0}, 0.0, EmptyRule::kNaN).nsd, 12.0 / 32.0);
}

// The same masks with 0.5 mm columns and 2 mm rows: the left and right columns now lie 1 mm
// from the other ring's side columns, the top rows' overhang is 0.5 and 1 mm.
TEST(SurfaceScores, AnisotropicSpacingByHand) {
  cv::Mat g = square(20, 20, {5, 5, 5, 5}), p = square(20, 20, {7, 5, 5, 5});
  SurfaceScores s = surface_scores(p, g, {0.5, 2.0}, 0.5, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(s.nsd, 16.0 / 32.0);  // 6 zeros + 2 halves per side
  EXPECT_DOUBLE_EQ(s.hd95, 1.0);
  EXPECT_DOUBLE_EQ(surface_scores(p, g, {0.5, 2.0}, 1.0, EmptyRule::kNaN).nsd, 1.0);
}

TEST(SurfaceScores, IdenticalMasksArePerfect) {
  cv::Mat g = square(30, 40, {3, 4, 20, 10});
  SurfaceScores s = surface_scores(g, g, {0.7, 0.7}, 0.1, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(s.nsd, 1.0);
  EXPECT_DOUBLE_EQ(s.hd95, 0.0);
}

// Outside the image counts as background: G (columns 0..4 of a 10x10 image) and P (columns
// 0..5) have 26- and 28-pixel rings, 18 of each at distance 0, the rest at 1.
TEST(SurfaceScores, ObjectsOnTheImageBorderHaveSurfaceThere) {
  cv::Mat g = square(10, 10, {0, 0, 5, 10}), p = square(10, 10, {0, 0, 6, 10});
  SurfaceScores s = surface_scores(p, g, {1.0, 1.0}, 0.5, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(s.nsd, 36.0 / 54.0);
  EXPECT_DOUBLE_EQ(s.hd95, 1.0);
}

// The crop must hold both masks: two single pixels 48 px apart in a wide image.
TEST(SurfaceScores, FarApartMasksKeepTheirTrueDistance) {
  cv::Mat g = square(10, 100, {2, 2, 1, 1}), p = square(10, 100, {50, 2, 1, 1});
  SurfaceScores s = surface_scores(p, g, {1.0, 1.0}, 2.0, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(s.nsd, 0.0);
  EXPECT_DOUBLE_EQ(s.hd95, 48.0);
}

TEST(SurfaceScores, EveryEmptyCase) {
  cv::Mat empty = cv::Mat::zeros(20, 20, CV_8U), g = square(20, 20, {5, 5, 5, 5});
  const double diagonal = std::hypot(20 * 0.5, 20 * 2.0);
  SurfaceScores both = surface_scores(empty, empty, {0.5, 2.0}, 1.0, EmptyRule::kNaN);
  EXPECT_TRUE(std::isnan(both.nsd));
  EXPECT_TRUE(std::isnan(both.hd95));
  SurfaceScores both_one = surface_scores(empty, empty, {0.5, 2.0}, 1.0, EmptyRule::kOne);
  EXPECT_DOUBLE_EQ(both_one.nsd, 1.0);
  EXPECT_DOUBLE_EQ(both_one.hd95, 0.0);
  for (EmptyRule rule : {EmptyRule::kNaN, EmptyRule::kOne}) {
    SurfaceScores missed = surface_scores(empty, g, {0.5, 2.0}, 1.0, rule);  // empty prediction
    EXPECT_DOUBLE_EQ(missed.nsd, 0.0);
    EXPECT_DOUBLE_EQ(missed.hd95, diagonal);
    SurfaceScores spurious = surface_scores(g, empty, {0.5, 2.0}, 1.0, rule);  // empty truth
    EXPECT_DOUBLE_EQ(spurious.nsd, 0.0);
    EXPECT_DOUBLE_EQ(spurious.hd95, diagonal);
  }
}

// G: a 3x3 square on slices 1 and 2 (all 18 voxels are surface); P: the square on slice 1 only.
// P's voxels lie on G's surface; G's slice-2 voxels are one slice (3 mm) from P.
TEST(SurfaceScores, VolumeUsesTheSliceSpacing) {
  cv::Mat sq = cv::Mat::ones(3, 3, CV_8U), none;
  std::vector<MaskSlice> slices = {{1, {2, 2, 3, 3}, sq, sq}, {2, {2, 2, 3, 3}, none, sq}};
  SurfaceScores s = surface_scores(slices, {10, 10, 5}, {1.0, 1.0, 3.0}, 2.0, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(s.nsd, 18.0 / 27.0);
  EXPECT_DOUBLE_EQ(s.hd95, 3.0);
  EXPECT_DOUBLE_EQ(surface_scores(slices, {10, 10, 5}, {1.0, 1.0, 3.0}, 3.0, EmptyRule::kNaN).nsd, 1.0);
}

// A listed slice without foreground changes nothing, wherever its region lies (here beyond the
// others' box, on a z between theirs).
TEST(SurfaceScores, VolumeIgnoresAnEmptySliceOutsideTheBox) {
  cv::Mat sq = cv::Mat::ones(3, 3, CV_8U), none = cv::Mat::zeros(4, 5, CV_8U);
  std::vector<MaskSlice> slices = {{1, {2, 2, 3, 3}, sq, sq}, {3, {2, 2, 3, 3}, cv::Mat(), sq}};
  SurfaceScores alone = surface_scores(slices, {10, 10, 5}, {1.0, 1.0, 3.0}, 2.0, EmptyRule::kNaN);
  slices.push_back({2, {5, 6, 5, 4}, none, none});
  SurfaceScores with_empty = surface_scores(slices, {10, 10, 5}, {1.0, 1.0, 3.0}, 2.0, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(with_empty.nsd, alone.nsd);
  EXPECT_DOUBLE_EQ(with_empty.hd95, alone.hd95);
}

TEST(SurfaceScores, VolumeEmptyCases) {
  cv::Mat sq = cv::Mat::ones(3, 3, CV_8U), none;
  const double diagonal = std::sqrt(10.0 * 10.0 + 10.0 * 10.0 + 15.0 * 15.0);
  SurfaceScores missed = surface_scores({{1, {2, 2, 3, 3}, none, sq}}, {10, 10, 5}, {1, 1, 3}, 2.0, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(missed.nsd, 0.0);
  EXPECT_DOUBLE_EQ(missed.hd95, diagonal);
  EXPECT_TRUE(std::isnan(surface_scores({}, {10, 10, 5}, {1, 1, 3}, 2.0, EmptyRule::kNaN).nsd));
  EXPECT_DOUBLE_EQ(surface_scores({}, {10, 10, 5}, {1, 1, 3}, 2.0, EmptyRule::kOne).nsd, 1.0);
}

TEST(AllMetrics, SurfaceOffGivesNaNSurfaceMetrics) {
  cv::Mat g = square(20, 20, {5, 5, 5, 5}), p = square(20, 20, {7, 5, 5, 5});
  Overlap o = overlap(p, g);
  MetricValues on = all_metrics(o, p, g, {1, 1}, {true, 1.0}, EmptyRule::kNaN);
  MetricValues off = all_metrics(o, p, g, {1, 1}, {false, 1.0}, EmptyRule::kNaN);
  EXPECT_DOUBLE_EQ(on[size_t(Metric::kPrecision)], 15.0 / 25.0);
  EXPECT_DOUBLE_EQ(on[size_t(Metric::kNSD)], 20.0 / 32.0);
  EXPECT_TRUE(std::isnan(off[size_t(Metric::kNSD)]));
  EXPECT_TRUE(std::isnan(off[size_t(Metric::kHD95)]));
  EXPECT_DOUBLE_EQ(off[size_t(Metric::kDice)], on[size_t(Metric::kDice)]);
}

}  // namespace
}  // namespace sambench
