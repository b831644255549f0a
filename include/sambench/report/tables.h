#pragma once

// The result tables as the run folder holds them: the row and class tables as CSV text, the
// summaries as JSON.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/metrics/results.h"
#include "sambench/metrics/summary.h"

namespace sambench {

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

// Numbers as the reports print them: fixed decimals, "nan" for NaN.
std::string format_number(double value, int decimals);
// A mean with its 95% interval as the report tables show it: "0.812 [0.790, 0.833]", "–" for no values.
std::string mean_with_interval(const Stats& s);

}  // namespace sambench
