#pragma once

// A finished run as its files hold it: the row tables and what summary.json records about
// them. `sambench report` and `sambench compare` work from this, without the model or the data.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/data/dataset.h"
#include "sambench/metrics/results.h"
#include "sambench/metrics/summary.h"

namespace sambench {

struct RunTables {
  std::filesystem::path dir;
  nlohmann::json summary;  // summary.json
  std::vector<ClassInfo> classes;
  std::vector<std::pair<std::string, std::string>> sets;  // result set name, description
  std::vector<InstanceResult> instances;
  std::vector<RegionResult> images, cases;  // cases: volumes only
  std::map<std::string, std::string> case_of;  // image → case
  bool volumetric = false;
};

// The summary.json of a finished run in `run_dir`. Throws Error naming the file when it is
// missing, is not JSON, or its status is not "complete" (a failed, interrupted or running run).
nlohmann::json read_complete_summary(const std::filesystem::path& run_dir);

// Reads summary.json (status complete), per_instance.csv, per_image.csv and per_case.csv.
// Throws Error naming the file when one is missing or malformed.
RunTables read_run_tables(const std::filesystem::path& dir);

// Per result set, the level summaries (instance, image, and case for volumes), each mean with
// its bootstrap interval when `bootstrap_samples` > 0.
using SetLevels = std::vector<std::pair<std::string, std::vector<LevelSummary>>>;
SetLevels summarize_sets(const RunTables& tables, int bootstrap_samples, uint64_t bootstrap_seed);

// Per result set, the instance level of each group the rows name (a fundus domain, ...), in
// name order; a set without groups has none.
using SetGroups = std::vector<std::pair<std::string, std::vector<std::pair<std::string, LevelSummary>>>>;
SetGroups summarize_groups(const RunTables& tables, int bootstrap_samples, uint64_t bootstrap_seed);

// Rows of one result set.
template <typename Row>
std::vector<Row> of_set(const std::vector<Row>& rows, const std::string& set) {
  std::vector<Row> out;
  for (const auto& r : rows) {
    if (r.result_set == set) out.push_back(r);
  }
  return out;
}

// per_class.csv, per_class_image.csv and per_class_case.csv: each level's table, one block per
// result set with a leading `prompt` column.
void write_class_tables(const SetLevels& sets, const std::filesystem::path& dir);

// per_group.csv: one block per result set and group, with leading `prompt` and `group` columns.
// Not written when no row has a group.
void write_group_table(const SetGroups& groups, const std::filesystem::path& dir);

// The file name of a level's class table.
std::string class_table_file(const std::string& level);

}  // namespace sambench
