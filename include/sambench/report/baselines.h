#pragma once

// Published numbers that a report prints beside the measured ones, from a config's
// `baselines:` list:
//   - {source: "Study, Table 2", metric: dice, level: instance, prompt: centroid,
//      values: {liver: 0.81, spleen: 0.77}}
// `level` (instance, image or case; default instance) and `prompt` (a result set's name;
// default: the run's first) say which measured table the numbers compare with.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/metrics/metrics.h"

namespace sambench {

struct Baseline {
  std::string source;
  Metric metric = Metric::kDice;
  std::string level = "instance";
  std::string prompt;  // empty: the run's first result set
  std::vector<std::pair<std::string, double>> values;  // class name → published value, in order
};

// Throws Error naming the entry when a key is unknown or a value is not a number.
std::vector<Baseline> parse_baselines(const nlohmann::json& list);

}  // namespace sambench
