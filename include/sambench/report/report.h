#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/data/dataset.h"
#include "sambench/metrics/metrics.h"

namespace sambench {

// A CSV field, quoted only when it must be (RFC 4180).
std::string csv_field(const std::string& s);

// Splits CSV text as the writers here produce it (RFC 4180 quoting) into rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// One row of per_instance.csv.
struct InstanceResult {
  std::string image;
  std::string case_id;  // the volume for slices; the image itself for 2D data
  std::string group;
  std::string prompt;   // the prompt mode's name
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
  std::string prompt;
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

// Sums the per-image rows of each (prompt, case, class) into one row per case. `case_of` maps an image
// id to its case id.
std::vector<RegionResult> combine_cases(const std::vector<RegionResult>& images,
                                        const std::map<std::string, std::string>& case_of,
                                        EmptyRule rule);

// Mean, population standard deviation and median over the non-NaN values, and the bootstrap
// confidence interval of the mean where one was computed (bootstrap.h; NaN otherwise).
struct Stats {
  long long count = 0;  // values that entered the statistics (NaN excluded)
  double mean = 0.0, std = 0.0, median = 0.0;
  double ci_low = NAN, ci_high = NAN;
};

Stats compute_stats(const std::vector<double>& values);

// The p-th percentile (0..100) of `values` with linear interpolation between ranks (numpy's
// default); NaN if empty.
double percentile(std::vector<double> values, double p);

// What aggregation needs of a row, whatever its level (instance, image, case).
struct Score {
  int class_label = 0;
  std::string unit;     // the image (for instances) or the row's own image/case id
  std::string case_id;  // what the bootstrap resamples: the case (volume), or the image for 2D
  MetricValues values{};
  bool centroid_outside = false;
};

std::vector<Score> scores_of(const std::vector<InstanceResult>& results);
// `case_of` maps an image id to its case; a unit missing from it is its own case.
std::vector<Score> scores_of(const std::vector<RegionResult>& results,
                             const std::map<std::string, std::string>& case_of = {});

struct ClassSummary {
  ClassInfo info;
  long long count = 0;  // rows: instances, images or cases
  long long units = 0;  // distinct images (or cases) among them
  long long centroid_outside = 0;
  std::array<Stats, kMetricCount> metrics;  // indexed by size_t(Metric)
  const Stats& of(Metric m) const { return metrics[static_cast<size_t>(m)]; }
};

// One summary per class of the class map, in its order, including classes never seen.
std::vector<ClassSummary> summarize_classes(const std::vector<Score>& scores,
                                            const std::vector<ClassInfo>& classes);

struct Overall {
  std::array<Stats, kMetricCount> over_classes;  // mean of the class means (classes with data)
  std::array<Stats, kMetricCount> over_rows;     // mean over every row (every instance, ...)
};

Overall summarize_overall(const std::vector<Score>& scores, const std::vector<ClassSummary>& classes);

// The per-class and overall statistics of one level of aggregation.
struct LevelSummary {
  std::string name;  // "instance", "image" or "case"
  std::string rows;  // what a row counts: "instances", "images", "cases"
  std::vector<ClassSummary> classes;
  Overall overall;
};

// With `bootstrap_samples` > 0, every mean also gets its bootstrap confidence interval
// (bootstrap.h), resampling the scores' cases with `bootstrap_seed`.
LevelSummary summarize_level(const std::string& name, const std::string& rows,
                             const std::vector<Score>& scores, const std::vector<ClassInfo>& classes,
                             int bootstrap_samples = 0, uint64_t bootstrap_seed = 0);
nlohmann::json level_json(const LevelSummary& level);

// nnU-Net's summary.json keys for one result set: "metric_per_case" (per unit, i.e. case for
// volumes and image for 2D data, per class label: every metric and the pixel counts), "mean"
// (per class label: each metric's mean over units) and "foreground_mean" (each metric's mean
// over classes). `level` is the summary of `units`; NaN is written as null.
nlohmann::json nnunet_json(const std::vector<RegionResult>& units, const LevelSummary& level,
                           const std::string& unit_name);

std::string per_instance_csv(const std::vector<InstanceResult>& results);
std::string per_region_csv(const std::vector<RegionResult>& results, const std::string& unit_name);
// `rows` names what a class row counts ("instances", "images", "cases").
std::string per_class_csv(const std::vector<ClassSummary>& classes, const Overall& overall,
                          const std::string& rows);
// Tables of several blocks (per prompt mode, per group): `per_class_csv` rows with the block's
// keys as leading columns, one header.
std::string blocks_csv(const std::vector<std::pair<std::vector<std::string>, const LevelSummary*>>& blocks,
                       const std::vector<std::string>& key_names);
nlohmann::json classes_json(const std::vector<ClassSummary>& classes);
nlohmann::json overall_json(const Overall& overall);

// Writes to a temporary file beside `path`, then renames it, so that a reader never sees half a
// file. Throws Error naming the file on failure (including a full disk).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Removes, anywhere under `dir`, the temporary files of writes that a kill interrupted
// (write_file_atomic's "<name>.tmp.<pid>"); a resumed run starts from a clean folder.
void remove_interrupted_writes(const std::filesystem::path& dir);

// Numbers as the reports print them: fixed decimals, "nan" for NaN.
std::string format_number(double value, int decimals);

}  // namespace sambench
