// sambench merge: the shards' journals read back into one run's results, in listing order, and
// written as the unsharded run would have written it.

#include "sambench/run/merge.h"

#include <chrono>
#include <set>

#include "run/run_folder.h"
#include "run/run_journal.h"
#include "run/run_output.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/path_inside.h"

namespace sambench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct ShardRun {
  fs::path dir;
  json state;
  Shard shard;
};

ShardRun read_shard(const fs::path& dir) {
  ShardRun s{dir, read_state(dir), {}};
  const fs::path file = dir / kStateFile;
  if (s.state.value("status", "") != "complete") {
    throw Error(file, "the shard is not complete (status '" + s.state.value("status", "") +
                          "'): resume it with eval --resume first");
  }
  if (s.state.contains("shard") && s.state["shard"].is_string()) s.shard = parse_shard(s.state["shard"]);
  return s;
}

// Every shard of the same run, each once.
void check_shards(const std::vector<ShardRun>& shards) {
  std::set<int> seen;
  for (const auto& s : shards) {
    check_same_setup(shards.front().state, s.state, s.dir / kStateFile, "merge");
    if (s.shard.count != shards.front().shard.count || s.state["units"] != shards.front().state["units"]) {
      throw Error(s.dir / kStateFile, "shard " + s.shard.name() + " belongs to another split than shard " +
                                          shards.front().shard.name());
    }
    if (!seen.insert(s.shard.index).second) throw Error(s.dir / kStateFile, "shard " + s.shard.name() + " is given twice");
  }
  std::vector<std::string> missing;
  for (int i = 0; i < shards.front().shard.count; ++i) {
    if (!seen.count(i)) missing.push_back(std::to_string(i) + "/" + std::to_string(shards.front().shard.count));
  }
  if (!missing.empty()) throw Error("merge: shard(s) " + join(missing) + " missing");
}

ModelInfo model_info_of(const json& model) {
  ModelInfo info;
  info.path = model.at("path").get<std::string>();
  info.sha256 = model.at("sha256").get<std::string>();
  info.model_type = model.at("model_type").get<std::string>();
  info.device = model.at("device").get<std::string>();
  info.precision = model.value("precision", "fp32");
  info.image_size = model.at("image_size").get<int>();
  info.embedding_size = model.at("embedding_size").get<int>();
  info.low_res_size = model.at("low_res_size").get<int>();
  info.num_mask_outputs = model.at("num_mask_outputs").get<int>();
  info.mask_threshold = model.at("mask_threshold").get<float>();
  info.metadata = model.at("metadata");
  // Journals written before profiles: SAM's, as their runs followed.
  if (model.contains("profile")) info.profile = parse_model_profile(model.at("profile"), "journal");
  info.profile_overrides = model.value("profile_overrides", nlohmann::json::object());
  return info;
}

Config merged_config(const json& state, const fs::path& output) {
  json resolved = state.at("config");
  resolved["run"]["output"] = output.string();
  return config_from_json(resolved, state.at("config_file").get<std::string>());
}

// A saved prediction is at most this big; a larger "prediction" is not one sambench wrote.
constexpr size_t kMaxSavedFileBytes = size_t{4} << 30;

// The names of a record's saved predictions. They come from the shard's journal, which a
// stranger may have written: each must stay inside the shard (checked here, before the output is
// touched) and inside the output (checked again as it is written).
std::vector<std::string> saved_names(const fs::path& from, const json& record) {
  const fs::path journal = from / kJournalFile;
  std::vector<std::string> names;
  for (const auto& entry : record.value("saved", json::array())) {
    if (!entry.is_string()) throw Error(journal, "a 'saved' file name is not a string");
    names.push_back(entry.get<std::string>());
    path_inside(from, names.back(), journal);
  }
  return names;
}

// A shard's saved predictions, copied as they are.
void copy_saved(const fs::path& from, const fs::path& to, const json& record) {
  const fs::path journal = from / kJournalFile;
  for (const std::string& name : saved_names(from, record)) {
    const fs::path source = path_inside(from, name, journal);
    const fs::path target = path_inside(to, name, journal);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    path_inside(to, name, journal);  // the folders just made are ours; check nothing raced in
    write_file_atomic(target, read_regular_file(source, kMaxSavedFileBytes));
  }
}

// The message for a unit no shard's journal holds: the shard that should hold it lost its journal
// (or part of it) since it completed, or the dataset lists other cases now.
std::string missing_unit_message(const std::vector<ShardRun>& shards, const Unit& unit,
                                 const std::map<long long, std::pair<json, const ShardRun*>>& records) {
  const std::string what = "unit " + std::to_string(unit.index) + " ('" + unit.key + "')";
  auto it = records.find(unit.index);
  if (it != records.end()) {
    return "merge: " + (it->second.second->dir / kJournalFile).string() + ": " + what + " is '" +
           it->second.first.value("key", "") + "' there: the dataset changed since the shards ran";
  }
  for (const auto& s : shards) {
    if (unit.index % s.shard.count != s.shard.index) continue;
    const fs::path journal = s.dir / kJournalFile;
    std::error_code ec;
    if (!fs::exists(journal, ec)) {
      return "merge: " + journal.string() + ": missing, though the shard says it is complete; rerun shard " +
             s.shard.name() + " with eval --resume";
    }
    return "merge: " + journal.string() + ": holds no record of " + what +
           " (truncated?), though the shard says it is complete; rerun shard " + s.shard.name() +
           " with eval --resume to redo what is missing";
  }
  return "merge: no shard holds " + what;
}

}  // namespace

MergeResult run_merge(const std::vector<fs::path>& shard_dirs, const fs::path& output, bool overwrite) {
  auto start = std::chrono::steady_clock::now();
  if (shard_dirs.empty()) throw Error("merge: no shard folders given");
  std::vector<ShardRun> shards;
  for (const auto& dir : shard_dirs) {
    std::error_code ec;
    if (fs::equivalent(dir, output, ec)) throw Error(output, "the output folder is one of the shards");
    shards.push_back(read_shard(dir));
  }
  check_shards(shards);

  const json& first = shards.front().state;
  Config config = merged_config(first, output);
  ModelInfo recorded_model = model_info_of(first.at("model"));
  RunSettings settings = settings_of(config, recorded_model.profile);
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config, OnError::kSkip);  // as the shards listed it, under either mode
  RunSetup setup(config, std::move(settings), std::move(dataset), std::move(samples), std::nullopt,
                 first.at("threads").get<int>());
  setup.recorded_model = std::move(recorded_model);
  if (setup.listed_units != first.at("units").get<long long>()) {
    throw Error(shards.front().dir / kStateFile, "the shards listed " + first.at("units").dump() +
                                                     " units, the dataset lists " + std::to_string(setup.listed_units) +
                                                     " now: it changed since the run");
  }
  RunResults results(setup);
  RunProgress progress(WorkerPlan{});  // the shards computed every metric

  std::map<long long, std::pair<json, const ShardRun*>> records;
  for (const auto& s : shards) {
    for (auto& [index, record] : read_journal(s.dir / kJournalFile)) records[index] = {std::move(record), &s};
  }
  // Every unit's record found before the output folder is touched: a refused merge leaves it as
  // it was.
  std::vector<std::pair<const json*, const ShardRun*>> found;
  for (const auto& unit : setup.units) {
    auto it = records.find(unit.index);
    if (it == records.end() || it->second.first.value("key", "") != unit.key) {
      throw Error(missing_unit_message(shards, unit, records));
    }
    found.emplace_back(&it->second.first, it->second.second);
    saved_names(it->second.second->dir, it->second.first);
  }
  const auto lock = claim_run_folder(output, overwrite ? FolderUse::kOverwrite : FolderUse::kFresh);
  prepare_output(output);
  try {
    // The journal before the state: if it cannot be opened, no state says "running".
    progress.journal = std::make_unique<JournalWriter>(output / kJournalFile);
    write_state(output, run_state(setup, "running"));
    for (const auto& [record, shard] : found) {
      copy_saved(shard->dir, output, *record);
      apply_unit_record(results, *record);
      progress.journal->append(*record);
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_outputs(setup, results, summarize(setup, results),
                  timings_json(setup, results, progress.times, /*encodes_reused=*/0, wall, /*load=*/0.0));
    complete_run(setup, progress);
  } catch (const std::exception& e) {
    // A full disk, a saved file that cannot be read: both state files say "failed", as eval's do,
    // and the shards are untouched, so the merge can simply be run again.
    const bool state_recorded = fail_run(setup, progress, e.what(), "failed");
    write_failed_summary(setup, results, e.what(), "failed", state_recorded);
    throw;
  }
  return {output, setup.listed_units, results.output.images_done,
          static_cast<long long>(results.output.instance_rows.size() / std::max<size_t>(1, setup.settings.result_sets.size()))};
}

}  // namespace sambench
