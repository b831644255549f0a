#pragma once

// Surface metrics: normalized surface Dice (NSD) at a tolerance in millimetres and the 95th
// percentile Hausdorff distance (HD95), in 2D (one mask pair with its pixel spacing) and 3D (a
// stack of slices).
//
// Definitions (MONAI's compute_surface_dice and compute_hausdorff_distance, which count
// boundary voxels rather than surface-element areas):
// - The surface of a mask is its foreground pixels with a background face neighbour
//   (4-neighbours in 2D, 6 in 3D); outside the image counts as background, so an object that
//   touches the image border has a surface there.
// - d(p, S) is the Euclidean distance in mm, with the pixel spacing, from surface pixel p to the
//   nearest pixel of surface S.
// - NSD = (#{p in ∂P : d(p, ∂G) <= τ} + #{g in ∂G : d(g, ∂P) <= τ}) / (|∂P| + |∂G|).
// - HD95 = max(P95{d(p, ∂G) : p in ∂P}, P95{d(g, ∂P) : g in ∂G}), percentiles with linear
//   interpolation between ranks (numpy's default).
// Empty masks: both empty → NaN under EmptyRule::kNaN (excluded from means), NSD 1 and HD95 0
// under kOne; exactly one empty → NSD 0 and HD95 = the diagonal of the whole image (or volume)
// in mm, the largest distance it can hold (BraTS's convention), so a miss is never dropped from
// the means.
//
// The nearest pixel of the other surface comes from a k-d tree over that surface's pixels, so
// the cost follows the number of surface pixels, not the image size. The values are bit for bit
// those of the ITK contour filter and Maurer distance maps over the union bounding box that
// sambench used before (tests/surface_equivalence_test.cc).

#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/metrics/metrics.h"

namespace sambench {

struct SurfaceOptions {
  bool enabled = true;
  double tolerance_mm = 2.0;  // NSD tolerance τ
};

struct SurfaceScores {
  double nsd = NAN;
  double hd95 = NAN;
};

// One mask pair (any non-zero pixel is foreground), same size; spacing (x, y) in mm.
SurfaceScores surface_scores(const cv::Mat& prediction, const cv::Mat& truth, cv::Point2d spacing,
                             double tolerance_mm, EmptyRule rule);
// The same for an image-sized prediction against an instance; the truth's surface comes from its
// crop, with no image-sized mask made.
SurfaceScores surface_scores(const cv::Mat& prediction, const Instance& truth, cv::Point2d spacing,
                             double tolerance_mm, EmptyRule rule);

// One slice of a 3D mask pair, cropped: `prediction` and `truth` are the pixels of `roi` of slice
// z (CV_8U, same size as roi; empty Mats for an empty slice).
struct MaskSlice {
  int z = 0;
  cv::Rect roi;
  cv::Mat prediction, truth;
};

// A 3D mask pair given by its non-empty slices (any order, each z at most once) in a volume of
// `size` (x, y, z) voxels with `spacing` (x, y, z) in mm; slices not listed are empty.
SurfaceScores surface_scores(const std::vector<MaskSlice>& slices, std::array<int, 3> size,
                             std::array<double, 3> spacing, double tolerance_mm, EmptyRule rule);

// Every metric of one 2D mask pair with overlap counts `o`, in kMetrics order; NSD and HD95 are
// NaN when `surface.enabled` is false.
MetricValues all_metrics(const Overlap& o, const cv::Mat& prediction, const cv::Mat& truth, cv::Point2d spacing,
                         const SurfaceOptions& surface, EmptyRule rule);
MetricValues all_metrics(const Overlap& o, const cv::Mat& prediction, const Instance& truth, cv::Point2d spacing,
                         const SurfaceOptions& surface, EmptyRule rule);

}  // namespace sambench
