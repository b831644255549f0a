#include "sambench/metrics/surface.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <cstring>

#include <nanoflann.hpp>

#include "sambench/data/instances.h"
#include "sambench/metrics/statistics.h"

namespace sambench {

namespace {

// The pixel (or voxel) centres of one surface, D coordinates each, in mm. A coordinate is the
// index from the crop origin (the union bounding box less one pixel) times the spacing,
// computed as index * spacing and not (index - other) * spacing: the ITK distance maps that
// sambench used before computed it so, and the same rounding keeps NSD and HD95 bit-identical.
template <int D>
struct SurfacePoints {
  std::vector<double> coords;

  size_t kdtree_get_point_count() const { return coords.size() / D; }
  double kdtree_get_pt(size_t i, size_t d) const { return coords[i * D + d]; }
  template <class Box>
  bool kdtree_get_bbox(Box&) const { return false; }
};

template <int D>
using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, SurfacePoints<D>>,
                                                 SurfacePoints<D>, D, uint32_t>;

// The Euclidean distance from each point of `from` to the nearest point of `to` (non-empty).
// The squared distance sums dx² then dy² (then dz²), as the distance maps did.
template <int D>
std::vector<double> distances(const SurfacePoints<D>& from, const SurfacePoints<D>& to) {
  Tree<D> tree(D, to, nanoflann::KDTreeSingleIndexAdaptorParams(16));
  std::vector<double> out(from.kdtree_get_point_count());
  for (size_t i = 0; i < out.size(); ++i) {
    uint32_t nearest = 0;
    double squared = 0;
    nanoflann::KNNResultSet<double, uint32_t> result(1);
    result.init(&nearest, &squared);
    tree.findNeighbors(result, &from.coords[i * D], nanoflann::SearchParams());
    out[i] = std::sqrt(squared);
  }
  return out;
}

template <int D>
SurfaceScores scores_of(const SurfacePoints<D>& prediction, const SurfacePoints<D>& truth, double tolerance) {
  std::vector<double> p_to_g = distances(prediction, truth), g_to_p = distances(truth, prediction);
  auto within = [tolerance](const std::vector<double>& v) {
    return std::count_if(v.begin(), v.end(), [tolerance](double x) { return x <= tolerance; });
  };
  SurfaceScores out;
  out.nsd = static_cast<double>(within(p_to_g) + within(g_to_p)) / static_cast<double>(p_to_g.size() + g_to_p.size());
  out.hd95 = std::max(percentile(p_to_g, 95.0), percentile(g_to_p, 95.0));
  return out;
}

// The scores when at least one mask is empty (returns true and sets `out`).
bool empty_case(bool prediction_empty, bool truth_empty, double diagonal, EmptyRule rule, SurfaceScores& out) {
  if (!prediction_empty && !truth_empty) return false;
  if (prediction_empty && truth_empty) {
    out = rule == EmptyRule::kOne ? SurfaceScores{1.0, 0.0} : SurfaceScores{NAN, NAN};
  } else {
    out = {0.0, diagonal};
  }
  return true;
}

// True when none of the 8 bytes at `p` is zero.
bool all_set(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) == 0;
}

bool all_clear(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w == 0;
}

// Appends the surface pixels of row y of `mask` (x, y pairs, in order): foreground pixels with a
// background 4-neighbour, outside the image counting as background. Runs of 8 pixels that are
// all background, or all foreground with foreground all around, are skipped as one word, so a
// smooth mask costs a pass over its bytes and work per surface pixel only.
void append_row_surface(const cv::Mat& mask, int y, std::vector<cv::Point>& out) {
  const int cols = mask.cols;
  const unsigned char* row = mask.ptr<unsigned char>(y);
  const unsigned char* up = y > 0 ? mask.ptr<unsigned char>(y - 1) : nullptr;
  const unsigned char* down = y + 1 < mask.rows ? mask.ptr<unsigned char>(y + 1) : nullptr;
  auto check = [&](int x) {
    if (!row[x]) return;
    bool inside = x > 0 && row[x - 1] && x + 1 < cols && row[x + 1] && up && up[x] && down && down[x];
    if (!inside) out.emplace_back(x, y);
  };
  int x = 0;
  for (; x + 8 <= cols; x += 8) {
    if (all_clear(row + x)) continue;
    bool interior = all_set(row + x) && up && all_set(up + x) && down && all_set(down + x) && x > 0 && row[x - 1] &&
                    x + 8 < cols && row[x + 8];
    if (interior) continue;
    for (int i = x; i < x + 8; ++i) check(i);
  }
  for (; x < cols; ++x) check(x);
}

std::vector<cv::Point> surface_pixels(const cv::Mat& mask) {
  if (mask.type() != CV_8U) return surface_pixels(mask != 0);
  std::vector<cv::Point> out;
  for (int y = 0; y < mask.rows; ++y) append_row_surface(mask, y, out);
  return out;
}

SurfacePoints<2> in_mm(const std::vector<cv::Point>& pixels, cv::Point origin, cv::Point2d spacing) {
  SurfacePoints<2> out;
  out.coords.reserve(2 * pixels.size());
  for (const cv::Point& p : pixels) {
    out.coords.push_back(static_cast<double>(p.x - origin.x) * spacing.x);
    out.coords.push_back(static_cast<double>(p.y - origin.y) * spacing.y);
  }
  return out;
}

// A cropped 3D mask with a one-voxel background margin on every side, x fastest.
struct MarginVolume {
  std::array<long, 3> size{};
  std::vector<unsigned char> voxels;

  size_t at(long x, long y, long z) const { return (static_cast<size_t>(z) * size[1] + y) * size[0] + x; }
};

// Copies `mask` (non-zero = foreground) into `volume` at offset (x0, y0, z) as 0/1.
void paste(const cv::Mat& mask, MarginVolume& volume, long x0, long y0, long z) {
  for (int y = 0; y < mask.rows; ++y) {
    const unsigned char* row = mask.ptr<unsigned char>(y);
    unsigned char* out = &volume.voxels[volume.at(x0, y0 + y, z)];
    for (int x = 0; x < mask.cols; ++x) out[x] = row[x] ? 1 : 0;
  }
}

// The voxels of `v` with a background face neighbour (6-connected), as mm coordinates from the
// volume's origin. The margin keeps every neighbour inside the volume.
SurfacePoints<3> surface_voxels(const MarginVolume& v, std::array<double, 3> spacing) {
  SurfacePoints<3> out;
  const std::ptrdiff_t dy = v.size[0], dz = dy * v.size[1];
  for (long z = 1; z + 1 < v.size[2]; ++z) {
    for (long y = 1; y + 1 < v.size[1]; ++y) {
      for (long x = 1; x + 1 < v.size[0]; ++x) {
        size_t i = v.at(x, y, z);
        if (!v.voxels[i]) continue;
        const unsigned char* c = &v.voxels[i];
        if (c[-1] && c[1] && c[-dy] && c[dy] && c[-dz] && c[dz]) continue;
        out.coords.push_back(static_cast<double>(x) * spacing[0]);
        out.coords.push_back(static_cast<double>(y) * spacing[1]);
        out.coords.push_back(static_cast<double>(z) * spacing[2]);
      }
    }
  }
  return out;
}


// The scores of two surfaces (pixels of an image of `size`), in raster order each.
SurfaceScores surface_scores_of(const std::vector<cv::Point>& p, const std::vector<cv::Point>& g, cv::Size size,
                                cv::Point2d spacing, double tolerance_mm, EmptyRule rule) {
  SurfaceScores out;
  double diagonal = std::hypot(size.width * spacing.x, size.height * spacing.y);
  if (empty_case(p.empty(), g.empty(), diagonal, rule, out)) return out;
  cv::Point low = p.front();
  for (const auto* pixels : {&p, &g}) {
    for (const cv::Point& q : *pixels) low = {std::min(low.x, q.x), std::min(low.y, q.y)};
  }
  const cv::Point origin = low - cv::Point(1, 1);
  return scores_of(in_mm(p, origin, spacing), in_mm(g, origin, spacing), tolerance_mm);
}

}  // namespace

SurfaceScores surface_scores(const cv::Mat& prediction, const cv::Mat& truth, cv::Point2d spacing,
                             double tolerance_mm, EmptyRule rule) {
  CV_Assert(prediction.size() == truth.size());
  // Every non-empty mask has a surface, and its bounding box is the surface's.
  return surface_scores_of(surface_pixels(prediction), surface_pixels(truth), prediction.size(), spacing,
                           tolerance_mm, rule);
}

// Outside its box the instance is background, as outside the image is, so the crop's surface
// pixels, moved by the box's corner, are the whole mask's, in the same (raster) order.
SurfaceScores surface_scores(const cv::Mat& prediction, const Instance& truth, cv::Point2d spacing,
                             double tolerance_mm, EmptyRule rule) {
  CV_Assert((truth.box & cv::Rect(cv::Point(), prediction.size())) == truth.box);
  std::vector<cv::Point> g = truth.box.empty() ? std::vector<cv::Point>() : surface_pixels(truth.crop);
  for (cv::Point& q : g) q += truth.box.tl();
  return surface_scores_of(surface_pixels(prediction), g, prediction.size(), spacing, tolerance_mm, rule);
}

SurfaceScores surface_scores(const std::vector<MaskSlice>& slices, std::array<int, 3> size,
                             std::array<double, 3> spacing, double tolerance_mm, EmptyRule rule) {
  bool p_empty = true, g_empty = true;
  cv::Rect box;
  int z0 = size[2], z1 = -1;
  std::vector<const MaskSlice*> kept;  // the slices with foreground
  for (const auto& s : slices) {
    bool p = !s.prediction.empty() && cv::countNonZero(s.prediction) > 0;
    bool g = !s.truth.empty() && cv::countNonZero(s.truth) > 0;
    if (!p && !g) continue;
    kept.push_back(&s);
    p_empty &= !p;
    g_empty &= !g;
    box = box.area() ? (box | s.roi) : s.roi;
    z0 = std::min(z0, s.z);
    z1 = std::max(z1, s.z);
  }
  SurfaceScores out;
  double diagonal = std::sqrt(std::pow(size[0] * spacing[0], 2) + std::pow(size[1] * spacing[1], 2) +
                              std::pow(size[2] * spacing[2], 2));
  if (empty_case(p_empty, g_empty, diagonal, rule, out)) return out;
  MarginVolume p, g;
  p.size = g.size = {box.width + 2L, box.height + 2L, z1 - z0 + 3L};
  p.voxels.assign(static_cast<size_t>(p.size[0]) * p.size[1] * p.size[2], 0);
  g.voxels = p.voxels;
  for (const MaskSlice* s : kept) {
    long x0 = s->roi.x - box.x + 1, y0 = s->roi.y - box.y + 1, z = s->z - z0 + 1;
    if (!s->prediction.empty()) paste(s->prediction, p, x0, y0, z);
    if (!s->truth.empty()) paste(s->truth, g, x0, y0, z);
  }
  return scores_of(surface_voxels(p, spacing), surface_voxels(g, spacing), tolerance_mm);
}

namespace {

// Dice and IoU from the counts, NSD and HD95 (when asked for) from the masks' surfaces.
template <class Truth>
MetricValues metrics_of(const Overlap& o, const cv::Mat& prediction, const Truth& truth, cv::Point2d spacing,
                        const SurfaceOptions& surface, EmptyRule rule) {
  MetricValues values = overlap_metrics(o, rule);
  if (!surface.enabled) return values;
  const SurfaceScores s = surface_scores(prediction, truth, spacing, surface.tolerance_mm, rule);
  values[static_cast<size_t>(Metric::kNSD)] = s.nsd;
  values[static_cast<size_t>(Metric::kHD95)] = s.hd95;
  return values;
}

}  // namespace

MetricValues all_metrics(const Overlap& o, const cv::Mat& prediction, const cv::Mat& truth, cv::Point2d spacing,
                         const SurfaceOptions& surface, EmptyRule rule) {
  return metrics_of(o, prediction, truth, spacing, surface, rule);
}

MetricValues all_metrics(const Overlap& o, const cv::Mat& prediction, const Instance& truth, cv::Point2d spacing,
                         const SurfaceOptions& surface, EmptyRule rule) {
  return metrics_of(o, prediction, truth, spacing, surface, rule);
}

}  // namespace sambench
