#include "sambench/metrics/case_surfaces.h"

#include <opencv2/imgproc.hpp>

#include "sambench/base/error.h"
#include "sambench/data/mask_box.h"

namespace sambench {

void CaseSurfaces::add(const std::string& set, const std::string& case_id, int label, int z,
                       const cv::Mat& prediction, const cv::Mat& truth, std::array<int, 3> size,
                       std::array<double, 3> spacing) {
  if (!options_.enabled) return;
  if (case_id != open_) {
    finish();
    if (done_.count(case_id)) throw Error("case " + case_id + ": its slices are not listed together");
    open_ = case_id;
  }
  Stack& stack = stacks_[{set, label}];
  stack.size = size;
  stack.spacing = spacing;
  // Only the bounding box of either mask is kept: a case's slices stay small in memory.
  cv::Mat p = prediction != 0, g = truth != 0;
  cv::Rect roi = mask_box(p | g);
  if (roi.area() == 0) return;
  stack.slices.push_back({z, roi, p(roi).clone(), g(roi).clone()});
}

void CaseSurfaces::finish() {
  if (open_.empty()) return;
  for (const auto& [key, stack] : stacks_) {
    scores_[{key.first, open_, key.second}] =
        surface_scores(stack.slices, stack.size, stack.spacing, options_.tolerance_mm, rule_);
  }
  stacks_.clear();
  done_.insert(open_);
  open_.clear();
}

SurfaceScores CaseSurfaces::get(const std::string& set, const std::string& case_id, int label) const {
  auto it = scores_.find({set, case_id, label});
  return it == scores_.end() ? SurfaceScores{} : it->second;
}

std::vector<std::tuple<std::string, int, SurfaceScores>> CaseSurfaces::of_case(const std::string& case_id) const {
  std::vector<std::tuple<std::string, int, SurfaceScores>> out;
  for (const auto& [key, scores] : scores_) {
    if (std::get<1>(key) == case_id) out.emplace_back(std::get<0>(key), std::get<2>(key), scores);
  }
  return out;
}

void CaseSurfaces::restore(const std::string& set, const std::string& case_id, int label, SurfaceScores scores) {
  scores_[{set, case_id, label}] = scores;
  done_.insert(case_id);
}

void CaseSurfaces::discard() {
  stacks_.clear();
  open_.clear();
}

}  // namespace sambench
