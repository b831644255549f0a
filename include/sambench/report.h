#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/dataset.h"
#include "sambench/metrics.h"

namespace sambench {

// One row of per_instance.csv.
struct InstanceResult {
  std::string image;
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
};

// Mean, population standard deviation and median over the non-NaN values.
struct Stats {
  long long count = 0;  // values that entered the statistics (NaN excluded)
  double mean = 0.0, std = 0.0, median = 0.0;
};

Stats compute_stats(const std::vector<double>& values);

struct ClassSummary {
  ClassInfo info;
  long long instances = 0;
  long long images = 0;  // images holding at least one instance of the class
  long long centroid_outside = 0;
  Stats dice, iou;
};

// One summary per class of the class map, in its order, including classes never seen.
std::vector<ClassSummary> summarize_classes(const std::vector<InstanceResult>& results,
                                            const std::vector<ClassInfo>& classes);

struct Overall {
  Stats dice_over_classes, iou_over_classes;      // mean of the class means (classes with data)
  Stats dice_over_instances, iou_over_instances;  // mean over every instance
};

Overall summarize_overall(const std::vector<InstanceResult>& results,
                          const std::vector<ClassSummary>& classes);

std::string per_instance_csv(const std::vector<InstanceResult>& results);
std::string per_class_csv(const std::vector<ClassSummary>& classes, const Overall& overall);
nlohmann::json classes_json(const std::vector<ClassSummary>& classes);
nlohmann::json overall_json(const Overall& overall);

// Writes to a temporary file beside `path`, then renames it, so that a reader never sees half a
// file. Throws Error naming the file on failure (including a full disk).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Numbers as the reports print them: fixed decimals, "nan" for NaN.
std::string format_number(double value, int decimals);

}  // namespace sambench
