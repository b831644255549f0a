#include "sambench/report/run_tables.h"

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/report/csv.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

template <typename Row>
void read_metrics(const CsvTable& t, size_t i, Row& r) {
  MetricValues values;
  for (Metric m : kMetrics) values[static_cast<size_t>(m)] = t.number(i, metric_name(m));
  set_metric_values(r, values);
  r.overlap = {t.integer(i, "pred_area"), t.integer(i, "gt_area"), t.integer(i, "intersection")};
  r.result_set = t.at(i, "prompt");
  r.class_label = static_cast<int>(t.integer(i, "class_label"));
  r.class_name = t.at(i, "class");
  r.group = t.at(i, "group");
}

std::vector<InstanceResult> read_instances(const fs::path& file) {
  CsvTable t = CsvTable::read(file);
  std::vector<InstanceResult> out(t.rows());
  for (size_t i = 0; i < t.rows(); ++i) {
    InstanceResult& r = out[i];
    read_metrics(t, i, r);
    r.image = t.at(i, "image");
    r.case_id = t.at(i, "case");
    r.instance = static_cast<int>(t.integer(i, "instance"));
    r.centroid = {t.number(i, "centroid_x"), t.number(i, "centroid_y")};
    r.centroid_inside = t.integer(i, "centroid_inside") != 0;
    r.mask_index = static_cast<int>(t.integer(i, "mask_index"));
    r.score = static_cast<float>(t.number(i, "score"));
    r.mask_file = t.at(i, "mask_file");
  }
  return out;
}

std::vector<RegionResult> read_regions(const fs::path& file, const std::string& unit) {
  CsvTable t = CsvTable::read(file);
  std::vector<RegionResult> out(t.rows());
  for (size_t i = 0; i < t.rows(); ++i) {
    read_metrics(t, i, out[i]);
    out[i].unit = t.at(i, unit);
  }
  return out;
}

}  // namespace

json read_complete_summary(const fs::path& run_dir) {
  const fs::path file = run_dir / "summary.json";
  std::error_code ec;
  if (!fs::exists(file, ec)) throw Error(file, "not found: is this a sambench run folder?");
  json summary;
  try {
    // The run folder may be someone else's: a FIFO or device here must not hang the reader.
    summary = json::parse(read_regular_file(file, size_t{1} << 30, Symlinks::kFollow));
  } catch (const json::exception& e) {
    throw Error(file, std::string("invalid JSON: ") + e.what());
  }
  if (summary.value("status", "") != "complete") {
    throw Error(file, "the run is not complete (status '" + summary.value("status", "") + "')");
  }
  return summary;
}

RunTables read_run_tables(const fs::path& dir) {
  RunTables t;
  t.dir = dir;
  t.summary = read_complete_summary(dir);
  try {
    for (const auto& block : t.summary.at("prompts")) {
      t.sets.emplace_back(block.at("name").get<std::string>(), block.value("description", ""));
    }
    for (const auto& c : t.summary.at("prompts").at(0).at("levels").at("instance").at("classes")) {
      t.classes.push_back({c.at("label").get<int>(), c.at("name").get<std::string>()});
    }
    for (const auto& name : t.summary.at("tables")) t.volumetric |= name == "per_case.csv";
  } catch (const json::exception& e) {
    throw Error(dir / "summary.json", std::string("missing run description: ") + e.what());
  }
  t.instances = read_instances(dir / "per_instance.csv");
  t.images = read_regions(dir / "per_image.csv", "image");
  if (t.volumetric) t.cases = read_regions(dir / "per_case.csv", "case");
  for (const auto& r : t.instances) t.case_of[r.image] = r.case_id.empty() ? r.image : r.case_id;
  return t;
}

SetLevels summarize_sets(const RunTables& t, int samples, uint64_t seed) {
  SetLevels out;
  for (const auto& [set, description] : t.sets) {
    std::vector<LevelSummary> levels = {
        summarize_level("instance", "instances", scores_of(of_set(t.instances, set)), t.classes, samples, seed),
        summarize_level("image", "images", scores_of(of_set(t.images, set), t.case_of), t.classes, samples, seed)};
    if (t.volumetric) {
      levels.push_back(summarize_level("case", "cases", scores_of(of_set(t.cases, set)), t.classes, samples, seed));
    }
    out.emplace_back(set, levels);
  }
  return out;
}

SetGroups summarize_groups(const RunTables& t, int samples, uint64_t seed) {
  SetGroups out;
  for (const auto& [set, description] : t.sets) {
    std::map<std::string, std::vector<InstanceResult>> by_group;
    for (const auto& r : of_set(t.instances, set)) {
      if (!r.group.empty()) by_group[r.group].push_back(r);
    }
    std::vector<std::pair<std::string, LevelSummary>> groups;
    for (const auto& [group, rows] : by_group) {
      groups.emplace_back(group, summarize_level("instance", "instances", scores_of(rows), t.classes, samples, seed));
    }
    out.emplace_back(set, std::move(groups));
  }
  return out;
}

void write_group_table(const SetGroups& groups, const fs::path& dir) {
  std::vector<std::pair<std::vector<std::string>, const LevelSummary*>> blocks;
  for (const auto& [set, by_group] : groups) {
    for (const auto& [group, level] : by_group) blocks.push_back({{set, group}, &level});
  }
  if (!blocks.empty()) write_file_atomic(dir / "per_group.csv", blocks_csv(blocks, {"prompt", "group"}));
}

std::string class_table_file(const std::string& level) {
  return level == "instance" ? "per_class.csv" : "per_class_" + level + ".csv";
}

void write_class_tables(const SetLevels& sets, const fs::path& dir) {
  for (size_t l = 0; l < sets.front().second.size(); ++l) {
    std::vector<std::pair<std::vector<std::string>, const LevelSummary*>> blocks;
    for (const auto& [set, levels] : sets) blocks.push_back({{set}, &levels[l]});
    write_file_atomic(dir / class_table_file(sets.front().second[l].name), blocks_csv(blocks, {"prompt"}));
  }
}

}  // namespace sambench
