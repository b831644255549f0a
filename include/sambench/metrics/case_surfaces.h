#pragma once

// The 3D surface metrics of volumes: per case and class, the slices' region masks (the union
// of the class's kept masks, and the class's truth) are stacked and scored as one volume when
// the case ends. Only evaluated slices (those with a row for the class) take part, as in the
// per-case Dice; slices between them are empty in both masks.

#include <array>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/metrics/surface.h"

namespace sambench {

class CaseSurfaces {
 public:
  CaseSurfaces(SurfaceOptions options, EmptyRule rule) : options_(options), rule_(rule) {}

  // Adds slice z of `case_id` for result set `set` and class `label`, in a volume of `size`
  // voxels with `spacing` (x, y, z) mm. Scores the previous case first when the case changes;
  // throws Error if a case comes back after another (its slices must be listed together).
  void add(const std::string& set, const std::string& case_id, int label, int z, const cv::Mat& prediction,
           const cv::Mat& truth, std::array<int, 3> size, std::array<double, 3> spacing);
  // Scores the open case.
  void finish();
  // The scores of (set, case, label); NaN when none were computed.
  SurfaceScores get(const std::string& set, const std::string& case_id, int label) const;

  // A finished case's scores as (set, label, scores), for the run journal; and one score put
  // back from it (a resumed or merged run), so that the case is not scored again.
  std::vector<std::tuple<std::string, int, SurfaceScores>> of_case(const std::string& case_id) const;
  void restore(const std::string& set, const std::string& case_id, int label, SurfaceScores scores);
  // Forgets the open case's slices (a case skipped under --on-error skip).
  void discard();

 private:
  struct Stack {
    std::vector<MaskSlice> slices;
    std::array<int, 3> size{};
    std::array<double, 3> spacing{};
  };
  SurfaceOptions options_;
  EmptyRule rule_;
  std::string open_;
  std::map<std::pair<std::string, int>, Stack> stacks_;  // the open case's, by (set, label)
  std::set<std::string> done_;
  std::map<std::tuple<std::string, std::string, int>, SurfaceScores> scores_;
};

}  // namespace sambench
