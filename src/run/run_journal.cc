#include "run/run_journal.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "run/run_output.h"
#include "sambench/base/hash.h"
#include "sambench/report/result_json.h"
#include "sambench/base/version.h"

namespace sambench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What sambench merge needs of the model to write the summary without loading it.
json model_json(const ModelInfo& info) {
  return {{"path", info.path.string()},     {"sha256", info.sha256},
          {"model_type", info.model_type},  {"device", info.device},
          {"precision", info.precision},
          {"image_size", info.image_size},  {"embedding_size", info.embedding_size},
          {"low_res_size", info.low_res_size}, {"num_mask_outputs", info.num_mask_outputs},
          {"mask_threshold", info.mask_threshold}, {"metadata", info.metadata},
          {"profile", to_json(info.profile)}, {"profile_overrides", info.profile_overrides}};
}

template <typename T>
json rows_json(const std::vector<T>& rows) {
  json out = json::array();
  for (const auto& row : rows) out.push_back(to_json(row));
  return out;
}

// The 3D surface scores of the cases a unit finished (volumes; none for 2D images).
json case_surfaces_json(const CaseSurfaces& case_surfaces, const std::map<std::string, std::string>& case_of) {
  std::set<std::string> cases;
  for (const auto& [image, case_id] : case_of) cases.insert(case_id);
  json out = json::array();
  for (const auto& case_id : cases) {
    for (const auto& [set, label, scores] : case_surfaces.of_case(case_id)) {
      out.push_back({{"prompt", set}, {"case", case_id}, {"class_label", label},
                     {"nsd", number_json(scores.nsd)}, {"hd95", number_json(scores.hd95)}});
    }
  }
  return out;
}

// A finished unit's journal line: its output, and its cases' surface scores.
json unit_record(const CaseSurfaces& case_surfaces, const Unit& unit, const EvalOutput& output) {
  json case_of = json::object();
  for (const auto& [image, case_id] : output.case_of) case_of[image] = case_id;
  return {{"unit", unit.index},
          {"key", unit.key},
          {"images", unit.samples.size()},
          {"images_done", output.images_done},
          {"images_without_instances", output.images_without_instances},
          {"results", rows_json(output.instance_rows)},
          {"image_results", rows_json(output.image_rows)},
          {"unprompted_truth", rows_json(output.unprompted_truth)},
          {"case_of", case_of},
          {"case_surfaces", case_surfaces_json(case_surfaces, output.case_of)},
          {"prompts", output.prompt_lines},
          {"saved", output.saved_files}};
}

// The output a unit record holds (unit_record's inverse, its surface scores aside).
EvalOutput output_of_record(const json& record) {
  EvalOutput out;
  for (const auto& r : record.at("results")) out.instance_rows.push_back(instance_result_from_json(r));
  for (const auto& r : record.at("image_results")) out.image_rows.push_back(region_result_from_json(r));
  for (const auto& r : record.at("unprompted_truth")) out.unprompted_truth.push_back(region_result_from_json(r));
  for (const auto& [image, case_id] : record.at("case_of").items()) out.case_of[image] = case_id.get<std::string>();
  for (const auto& line : record.at("prompts")) out.prompt_lines.push_back(line.get<std::string>());
  for (const auto& file : record.at("saved")) out.saved_files.push_back(file.get<std::string>());
  out.images_done = record.at("images_done").get<long long>();
  out.images_without_instances = record.at("images_without_instances").get<long long>();
  return out;
}

void journal(RunProgress& progress, const json& record) {
  if (progress.journal) fatal_on_error([&] { progress.journal->append(record); });
}

// The records of an earlier run must describe the units listed now.
void check_records(const RunSetup& setup, const RunProgress& progress, const fs::path& file) {
  std::map<long long, const Unit*> units;
  for (const auto& unit : setup.units) units[unit.index] = &unit;
  for (const auto& [index, record] : progress.journaled) {
    auto it = units.find(index);
    if (it == units.end() || record.value("key", "") != it->second->key) {
      throw Error(file, "unit " + std::to_string(index) + " ('" + record.value("key", "") +
                            "') is not listed now: the dataset changed since the run; refusing to resume");
    }
  }
}

}  // namespace

void fatal_on_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const FatalError&) {
    throw;
  } catch (const std::exception& e) {
    throw FatalError(e.what());
  }
}

json run_state(const RunSetup& setup, const std::string& status) {
  json config = to_json(setup.config);
  config["run"].erase("output");  // shards and resumed runs may write elsewhere
  const ModelInfo& info = setup.model_info();
  return {{"status", status},
          {"sambench", {{"version", version()}, {"git_commit", git_commit()}}},
          {"config_sha256", sha256_text(config.dump())},
          {"model_sha256", info.sha256},
          {"config_file", setup.config.file.string()},
          {"config", config},
          {"model", model_json(info)},
          {"threads", setup.threads},
          {"shard", setup.shard.count > 1 ? json(setup.shard.name()) : json()},
          {"units", setup.listed_units}};
}

void open_run(const RunSetup& setup, RunProgress& progress, bool resume) {
  const fs::path& dir = setup.config.run.output;
  json state = run_state(setup, "running");
  std::error_code ec;
  resume = resume && fs::exists(dir / kStateFile, ec);
  if (resume) {
    json earlier = read_state(dir);
    check_same_setup(state, earlier, dir / kStateFile, "resume");
    if (earlier.value("shard", json()) != state["shard"] || earlier.value("units", -1LL) != setup.listed_units) {
      throw Error(dir / kStateFile, "made for shard " + earlier.value("shard", json()).dump() + " of " +
                                        earlier.value("units", json()).dump() + " units: refusing to resume");
    }
    int damaged = 0;
    progress.journaled = read_journal(dir / kJournalFile, DamagedLine::kRecompute, &damaged);
    check_records(setup, progress, dir / kJournalFile);
    // Without the damaged lines, so that a merge of this run finds every line sound.
    if (damaged > 0) rewrite_journal(dir / kJournalFile, progress.journaled);
  }
  prepare_output(dir, resume);
  write_state(dir, state);
  progress.journal = std::make_unique<JournalWriter>(dir / kJournalFile);
  if (resume) std::fprintf(stderr, "sambench: resuming: %zu unit(s) done before\n", progress.journaled.size());
}

bool has_record(const RunProgress& progress, const Unit& unit) {
  auto it = progress.journaled.find(unit.index);
  return it != progress.journaled.end() && !it->second.contains("skipped");  // skipped: retried
}

bool restore_unit(const RunProgress& progress, RunResults& results, const Unit& unit) {
  if (!has_record(progress, unit)) return false;
  apply_unit_record(results, progress.journaled.at(unit.index));
  return true;
}

void finish_unit(const RunSetup& setup, RunProgress& progress, RunResults& results, const Unit& unit) {
  // After the unit's jobs: they add its last slices to the case.
  progress.metrics.in_order(*progress.open_unit, [&setup, &progress, &results](EvalOutput& unit) {
    fatal_on_error([&] { flush_case(setup, progress.open_case, unit); });
    results.case_surfaces.finish();
  });
  progress.unjournaled.push_back({&unit, std::move(progress.open_unit)});
  settle(progress, results, /*wait=*/false);
}

void settle(RunProgress& progress, RunResults& results, bool wait) {
  // Enough to keep every worker busy; bounded, since each job holds a sample's full-size masks
  // (the model thread waits here when the workers fall behind).
  const size_t keep = wait ? 0 : 4 * std::max<size_t>(1, progress.metrics.workers());
  // A metric that fails is a bug, not bad input: it must not skip whichever unit is current.
  fatal_on_error([&] { progress.metrics.settle(progress.times, keep); });
  while (!progress.unjournaled.empty() && !progress.metrics.pending(*progress.unjournaled.front().output)) {
    FinishedUnit& done = progress.unjournaled.front();
    journal(progress, unit_record(results.case_surfaces, *done.unit, *done.output));
    results.output.append(std::move(*done.output));
    progress.unjournaled.pop_front();
  }
}

void keep_partial(RunProgress& progress, RunResults& results, bool drop_unsettled) {
  using Table = PendingMetrics::Table;
  std::vector<EvalOutput*> unfinished;
  for (auto& done : progress.unjournaled) unfinished.push_back(done.output.get());
  if (progress.open_unit) unfinished.push_back(progress.open_unit.get());
  std::vector<std::pair<size_t, size_t>> settled;  // per unit: its rows with their final values
  for (EvalOutput* unit : unfinished) {
    settled.emplace_back(progress.metrics.settled(*unit, Table::kInstances),
                         progress.metrics.settled(*unit, Table::kImages));
  }
  progress.metrics.abandon();  // no job may fill a row that is gone; the files they wrote are listed
  for (size_t u = 0; u < unfinished.size(); ++u) {
    EvalOutput* unit = unfinished[u];
    if (drop_unsettled) {
      unit->instance_rows.resize(std::min(unit->instance_rows.size(), settled[u].first));
      unit->image_rows.resize(std::min(unit->image_rows.size(), settled[u].second));
    }
    results.output.append(std::move(*unit));
  }
  progress.unjournaled.clear();
  progress.open_unit.reset();
}

void skip_unit(const RunSetup& setup, RunProgress& progress, RunResults& results, const Unit& unit,
               const std::string& error) {
  settle(progress, results, /*wait=*/true);  // the units before this one are journaled first, in order
  std::error_code ec;
  for (const auto& file : progress.open_unit->saved_files) fs::remove(setup.config.run.output / file, ec);
  progress.open_unit.reset();
  progress.open_case.reset();
  results.case_surfaces.discard();
  std::fprintf(stderr, "\nsambench: skipped %s: %s\n", unit.key.c_str(), error.c_str());
  json record = {{"unit", unit.index}, {"key", unit.key}, {"images", unit.samples.size()}, {"skipped", error}};
  results.skipped.push_back(record);
  journal(progress, record);
}

void apply_unit_record(RunResults& results, const json& record) {
  if (record.contains("skipped")) {
    results.skipped.push_back(record);
    return;
  }
  for (const auto& c : record.at("case_surfaces")) {
    results.case_surfaces.restore(c.at("prompt").get<std::string>(), c.at("case").get<std::string>(),
                                  c.at("class_label").get<int>(),
                                  {number_from_json(c.at("nsd")), number_from_json(c.at("hd95"))});
  }
  results.output.append(output_of_record(record));
}

void complete_run(const RunSetup& setup, RunProgress& progress) {
  if (progress.journal) progress.journal->sync();
  write_state(setup.config.run.output, run_state(setup, "complete"));
}

bool fail_run(const RunSetup& setup, RunProgress& progress, const std::string& error, const std::string& status) {
  if (!progress.journal) return false;
  try {
    progress.journal->sync();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not sync the journal: %s\n", e.what());
  }
  try {
    json state = run_state(setup, status);
    state["error"] = error;
    write_state(setup.config.run.output, state);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not record the run's state: %s\n", e.what());
    return false;
  }
}

json skipped_json(const RunResults& results) {
  json out = json::array();
  for (const auto& record : results.skipped) {
    out.push_back({{"case", record.at("key")}, {"images", record.at("images")}, {"error", record.at("skipped")}});
  }
  return out;
}

long long skipped_images(const RunResults& results) {
  long long n = 0;
  for (const auto& record : results.skipped) n += record.at("images").get<long long>();
  return n;
}

}  // namespace sambench
