#include "sambench/metrics/surface.h"

#include <algorithm>
#include <cmath>

#include <itkBinaryContourImageFilter.h>
#include <itkImage.h>
#include <itkImageRegionConstIterator.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>
#include <opencv2/imgproc.hpp>

#include "sambench/metrics/statistics.h"

namespace sambench {

namespace {

template <unsigned D>
using Mask = itk::Image<unsigned char, D>;
template <unsigned D>
using Distance = itk::Image<double, D>;

template <unsigned D>
typename Mask<D>::Pointer blank_mask(const std::array<long, D>& size, const std::array<double, D>& spacing) {
  typename Mask<D>::SizeType s;
  typename Mask<D>::SpacingType sp;
  for (unsigned i = 0; i < D; ++i) {
    s[i] = static_cast<itk::SizeValueType>(size[i]);
    sp[i] = spacing[i];
  }
  auto image = Mask<D>::New();
  image->SetRegions(typename Mask<D>::RegionType(s));
  image->SetSpacing(sp);
  image->Allocate();
  image->FillBuffer(0);
  return image;
}

// Foreground pixels with a background face neighbour. The masks carry a background margin, so
// pixels on the original image's border count as surface.
template <unsigned D>
typename Mask<D>::Pointer surface_of(const typename Mask<D>::Pointer& mask) {
  auto filter = itk::BinaryContourImageFilter<Mask<D>, Mask<D>>::New();
  filter->SetInput(mask);
  filter->SetForegroundValue(1);
  filter->SetBackgroundValue(0);
  // Off: a pixel is surface only when a face neighbour is background (checked: a plus shape's
  // centre, whose diagonal neighbours are background, is not surface).
  filter->SetFullyConnected(false);
  filter->SetNumberOfWorkUnits(1);  // the crops are small; threads would cost more than they save
  filter->Update();
  return filter->GetOutput();
}

// Distance in mm from every pixel to the nearest pixel of `surface`, 0 on it.
template <unsigned D>
typename Distance<D>::Pointer distance_to(const typename Mask<D>::Pointer& surface) {
  auto filter = itk::SignedMaurerDistanceMapImageFilter<Mask<D>, Distance<D>>::New();
  filter->SetInput(surface);
  filter->SetBackgroundValue(0);
  filter->SetUseImageSpacing(true);
  filter->SetSquaredDistance(false);
  filter->SetInsideIsPositive(false);  // outside the surface positive; on it <= 0
  filter->SetNumberOfWorkUnits(1);
  filter->Update();
  return filter->GetOutput();
}

// Distances from each pixel of surface `from` to surface `to` (given by its distance map).
template <unsigned D>
std::vector<double> surface_distances(const typename Mask<D>::Pointer& from,
                                      const typename Distance<D>::Pointer& to) {
  std::vector<double> out;
  itk::ImageRegionConstIterator<Mask<D>> s(from, from->GetBufferedRegion());
  itk::ImageRegionConstIterator<Distance<D>> d(to, to->GetBufferedRegion());
  for (; !s.IsAtEnd(); ++s, ++d) {
    if (s.Get()) out.push_back(std::max(0.0, d.Get()));
  }
  return out;
}

template <unsigned D>
SurfaceScores scores_of(const typename Mask<D>::Pointer& prediction, const typename Mask<D>::Pointer& truth,
                        double tolerance) {
  auto p_surface = surface_of<D>(prediction), g_surface = surface_of<D>(truth);
  std::vector<double> p_to_g = surface_distances<D>(p_surface, distance_to<D>(g_surface));
  std::vector<double> g_to_p = surface_distances<D>(g_surface, distance_to<D>(p_surface));
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

// Copies `mask` (non-zero = foreground) into `image` at offset (x0, y0[, z]) as 0/1, row by row
// in the image's buffer (x fastest, then y, then z).
template <unsigned D>
void paste(const cv::Mat& mask, typename Mask<D>::Pointer& image, long x0, long y0, long z) {
  const auto size = image->GetBufferedRegion().GetSize();
  unsigned char* buffer = image->GetBufferPointer();
  for (int y = 0; y < mask.rows; ++y) {
    const unsigned char* row = mask.ptr<unsigned char>(y);
    unsigned char* out = buffer + ((static_cast<size_t>(z) * size[1] + static_cast<size_t>(y0 + y)) * size[0] + x0);
    for (int x = 0; x < mask.cols; ++x) out[x] = row[x] ? 1 : 0;
  }
}

}  // namespace

SurfaceScores surface_scores(const cv::Mat& prediction, const cv::Mat& truth, cv::Point2d spacing,
                             double tolerance_mm, EmptyRule rule) {
  CV_Assert(prediction.size() == truth.size());
  cv::Mat p = prediction != 0, g = truth != 0;
  SurfaceScores out;
  double diagonal = std::hypot(prediction.cols * spacing.x, prediction.rows * spacing.y);
  if (empty_case(cv::countNonZero(p) == 0, cv::countNonZero(g) == 0, diagonal, rule, out)) return out;
  cv::Rect box = cv::boundingRect(p | g);
  auto pad = [&](const cv::Mat& m) {
    auto image = blank_mask<2>({box.width + 2L, box.height + 2L}, {spacing.x, spacing.y});
    paste<2>(m(box), image, 1, 1, 0);
    return image;
  };
  return scores_of<2>(pad(p), pad(g), tolerance_mm);
}

SurfaceScores surface_scores(const std::vector<MaskSlice>& slices, std::array<int, 3> size,
                             std::array<double, 3> spacing, double tolerance_mm, EmptyRule rule) {
  bool p_empty = true, g_empty = true;
  cv::Rect box;
  int z0 = size[2], z1 = -1;
  for (const auto& s : slices) {
    bool p = !s.prediction.empty() && cv::countNonZero(s.prediction) > 0;
    bool g = !s.truth.empty() && cv::countNonZero(s.truth) > 0;
    if (!p && !g) continue;
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
  std::array<long, 3> extent = {box.width + 2L, box.height + 2L, z1 - z0 + 3L};
  auto p = blank_mask<3>(extent, spacing), g = blank_mask<3>(extent, spacing);
  for (const auto& s : slices) {
    long x0 = s.roi.x - box.x + 1, y0 = s.roi.y - box.y + 1, z = s.z - z0 + 1;
    if (z < 1 || z > z1 - z0 + 1) continue;  // an empty slice outside the box
    if (!s.prediction.empty()) paste<3>(s.prediction, p, x0, y0, z);
    if (!s.truth.empty()) paste<3>(s.truth, g, x0, y0, z);
  }
  return scores_of<3>(p, g, tolerance_mm);
}

MetricValues all_metrics(const Overlap& o, const cv::Mat& prediction, const cv::Mat& truth, cv::Point2d spacing,
                         const SurfaceOptions& surface, EmptyRule rule) {
  SurfaceScores s;
  if (surface.enabled) s = surface_scores(prediction, truth, spacing, surface.tolerance_mm, rule);
  return {dice(o, rule), iou(o, rule), precision(o, rule), recall(o, rule), s.nsd, s.hd95};
}

}  // namespace sambench
