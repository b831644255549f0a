#pragma once

// Published numbers that a report prints beside the measured ones, from a config's
// `baselines:` list:
//   - {source: "the study, Table 6", method: SAM, metric: dice, level: instance, prompt: centroid,
//      group: Domain1, values: {liver: 0.81, spleen: 0.77}, average: 0.21, samples: 15361}
// `method` names the published row (default SAM; peers such as U-Net or DoFE by their name).
// `level` (instance, image or case; default instance) and `prompt` (a result set's name;
// default: the run's first) say which measured table the numbers compare with; `group` (a
// fundus domain, ...) narrows it to that group's rows. `average` is the publication's Average
// row, which the study took over objects: it is compared with the mean over instances.
// `samples` is the publication's count of test samples (the study's Table 1).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/metrics/metrics.h"

namespace sambench {

struct Baseline {
  std::string source;
  std::string method = "SAM";
  Metric metric = Metric::kDice;
  std::string level = "instance";
  std::string prompt;  // empty: the run's first result set
  std::string group;   // empty: every row of the level
  std::vector<std::pair<std::string, double>> values;  // class name → published value, in order
  std::optional<double> average;  // the Average row, over objects
  long long samples = 0;          // published test samples; 0: not given
};

// Throws Error naming the entry when a key is unknown or a value is not a number.
std::vector<Baseline> parse_baselines(const nlohmann::json& list);

}  // namespace sambench
