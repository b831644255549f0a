#pragma once

// The scored rows of a run: one per instance, and one per class in an image or a case.

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/metrics/metrics.h"

namespace sambench {

// One row of per_instance.csv.
struct InstanceResult {
  std::string image;
  std::string case_id;  // the volume for slices; the image itself for 2D data
  std::string group;
  std::string result_set;  // the result set's name (a prompt mode); the tables' "prompt" column
  int class_label = 0;
  std::string class_name;
  int instance = 0;
  cv::Point2d centroid;
  bool centroid_inside = true;
  int mask_index = 0;
  float score = 0.0f;  // SAM's predicted IoU of the kept mask
  Overlap overlap;
  double dice = 0.0;
  double iou = 0.0;
  double precision = NAN, recall = NAN;
  double nsd = NAN, hd95 = NAN;  // NaN when surface metrics are off (surface.h)
  std::string mask_file;  // saved prediction, relative to the run folder; empty if not saved
};

// One class in one image (per_image.csv) or one case (per_case.csv): the union of the kept
// masks of the class's instances against the whole class mask. For a volume, the case row sums
// the slices' pixel counts, which is the 3D Dice of the stacked slice predictions.
struct RegionResult {
  std::string unit;  // image id or case id
  std::string group;
  std::string result_set;  // as InstanceResult's
  int class_label = 0;
  std::string class_name;
  Overlap overlap;
  double dice = 0.0;
  double iou = 0.0;
  double precision = NAN, recall = NAN;
  double nsd = NAN, hd95 = NAN;
};

// A row's metrics in kMetrics order.
MetricValues metric_values(const InstanceResult& r);
MetricValues metric_values(const RegionResult& r);
void set_metric_values(InstanceResult& r, const MetricValues& values);
void set_metric_values(RegionResult& r, const MetricValues& values);

// Sums the per-image rows of each (result set, case, class) into one row per case. `case_of` maps
// an image id to its case id.
std::vector<RegionResult> combine_cases(const std::vector<RegionResult>& images,
                                        const std::map<std::string, std::string>& case_of,
                                        EmptyRule rule);

}  // namespace sambench
