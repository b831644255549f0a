#include "run/run_journal.h"

#include <algorithm>
#include <cstdio>
#include <set>

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
          {"mask_threshold", info.mask_threshold}, {"metadata", info.metadata}};
}

template <typename T>
json rows_between(const std::vector<T>& rows, size_t from, size_t to) {
  json out = json::array();
  for (size_t i = from; i < to; ++i) out.push_back(to_json(rows[i]));
  return out;
}

// The 3D surface scores of the cases a unit finished (volumes; none for 2D images).
json case_surfaces_json(const Run& run, const json& case_of) {
  std::set<std::string> cases;
  for (const auto& item : case_of.items()) cases.insert(item.value().get<std::string>());
  json out = json::array();
  for (const auto& case_id : cases) {
    for (const auto& [set, label, scores] : run.case_surfaces.of_case(case_id)) {
      out.push_back({{"prompt", set}, {"case", case_id}, {"class_label", label},
                     {"nsd", number_json(scores.nsd)}, {"hd95", number_json(scores.hd95)}});
    }
  }
  return out;
}

json unit_record(const Run& run, const Unit& unit, const UnitMark& mark, const UnitMark& end) {
  json case_of = json::object();
  for (const auto& ref : unit.samples) {
    auto it = run.case_of.find(ref.id);
    if (it != run.case_of.end()) case_of[ref.id] = it->second;
  }
  return {{"unit", unit.index},
          {"key", unit.key},
          {"images", unit.samples.size()},
          {"images_done", end.images_done - mark.images_done},
          {"images_without_instances", end.images_without_instances - mark.images_without_instances},
          {"results", rows_between(run.results, mark.results, end.results)},
          {"image_results", rows_between(run.image_results, mark.image_results, end.image_results)},
          {"case_of", case_of},
          {"case_surfaces", case_surfaces_json(run, case_of)},
          {"prompts", std::vector<std::string>(run.prompt_lines.begin() + mark.prompt_lines,
                                               run.prompt_lines.begin() + end.prompt_lines)},
          {"saved", std::vector<std::string>(run.saved_files.begin() + mark.saved_files,
                                             run.saved_files.begin() + end.saved_files)}};
}

void journal(Run& run, const json& record) {
  if (run.journal) fatal_on_error([&] { run.journal->append(record); });
}

// The records of an earlier run must describe the units listed now.
void check_records(const Run& run, const fs::path& file) {
  std::map<long long, const Unit*> units;
  for (const auto& unit : run.units) units[unit.index] = &unit;
  for (const auto& [index, record] : run.journaled) {
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

UnitMark mark_unit(const Run& run) {
  return {run.results.size(), run.image_results.size(), run.prompt_lines.size(), run.saved_files.size(),
          run.images_done, run.images_without_instances};
}

json run_state(const Run& run, const std::string& status) {
  json config = to_json(run.config);
  config["run"].erase("output");  // shards and resumed runs may write elsewhere
  const ModelInfo& info = run.model_info();
  return {{"status", status},
          {"sambench", {{"version", version()}, {"git_commit", git_commit()}}},
          {"config_sha256", sha256_text(config.dump())},
          {"model_sha256", info.sha256},
          {"config_file", run.config.file.string()},
          {"config", config},
          {"model", model_json(info)},
          {"threads", run.threads},
          {"shard", run.shard.count > 1 ? json(run.shard.name()) : json()},
          {"units", run.listed_units}};
}

void open_run(Run& run, bool resume) {
  const fs::path& dir = run.config.run.output;
  json state = run_state(run, "running");
  std::error_code ec;
  resume = resume && fs::exists(dir / kStateFile, ec);
  if (resume) {
    json earlier = read_state(dir);
    check_same_setup(state, earlier, dir / kStateFile, "resume");
    if (earlier.value("shard", json()) != state["shard"] || earlier.value("units", -1LL) != run.listed_units) {
      throw Error(dir / kStateFile, "made for shard " + earlier.value("shard", json()).dump() + " of " +
                                        earlier.value("units", json()).dump() + " units: refusing to resume");
    }
    run.journaled = read_journal(dir / kJournalFile);
    check_records(run, dir / kJournalFile);
  }
  prepare_output(dir, resume);
  write_state(dir, state);
  run.journal = std::make_unique<JournalWriter>(dir / kJournalFile);
  if (resume) std::fprintf(stderr, "sambench: resuming: %zu unit(s) done before\n", run.journaled.size());
}

bool restore_unit(Run& run, const Unit& unit) {
  auto it = run.journaled.find(unit.index);
  if (it == run.journaled.end() || it->second.contains("skipped")) return false;  // skipped: retried
  apply_unit_record(run, it->second);
  return true;
}

void finish_unit(Run& run, const Unit& unit, const UnitMark& mark) {
  fatal_on_error([&] { flush_case(run); });
  run.case_surfaces.finish();
  run.unjournaled.push_back({&unit, mark, mark_unit(run)});
  settle(run, /*wait=*/false);
}

void settle(Run& run, bool wait) {
  // Enough to keep every worker busy; bounded, since each job holds two full-size masks.
  const size_t keep = wait ? 0 : 64 * std::max<size_t>(1, run.metrics->workers());
  // A metric that fails is a bug, not bad input: it must not skip whichever unit is current.
  fatal_on_error([&] { run.metrics->settle(run.results, run.image_results, run.times, keep); });
  using Table = PendingMetrics::Table;
  while (!run.unjournaled.empty()) {
    const FinishedUnit& u = run.unjournaled.front();
    if (u.end.results > run.metrics->settled(Table::kInstances) ||
        u.end.image_results > run.metrics->settled(Table::kImages)) {
      return;
    }
    journal(run, unit_record(run, *u.unit, u.begin, u.end));
    run.unjournaled.pop_front();
  }
}

void drop_unsettled(Run& run) {
  using Table = PendingMetrics::Table;
  run.results.resize(std::min(run.results.size(), run.metrics->settled(Table::kInstances)));
  run.image_results.resize(std::min(run.image_results.size(), run.metrics->settled(Table::kImages)));
  run.metrics->abandon();
}

void skip_unit(Run& run, const Unit& unit, const UnitMark& mark, const std::string& error) {
  settle(run, /*wait=*/true);  // the units before this one are journaled first, in order
  std::error_code ec;
  for (size_t i = mark.saved_files; i < run.saved_files.size(); ++i) {
    fs::remove(run.config.run.output / run.saved_files[i], ec);
  }
  run.results.resize(mark.results);
  run.image_results.resize(mark.image_results);
  run.prompt_lines.resize(mark.prompt_lines);
  run.saved_files.resize(mark.saved_files);
  run.images_done = mark.images_done;
  run.images_without_instances = mark.images_without_instances;
  for (const auto& ref : unit.samples) run.case_of.erase(ref.id);
  run.open_case.reset();
  run.case_surfaces.discard();
  std::fprintf(stderr, "\nsambench: skipped %s: %s\n", unit.key.c_str(), error.c_str());
  json record = {{"unit", unit.index}, {"key", unit.key}, {"images", unit.samples.size()}, {"skipped", error}};
  run.skipped.push_back(record);
  journal(run, record);
}

void apply_unit_record(Run& run, const json& record) {
  if (record.contains("skipped")) {
    run.skipped.push_back(record);
    return;
  }
  for (const auto& r : record.at("results")) run.results.push_back(instance_result_from_json(r));
  for (const auto& r : record.at("image_results")) run.image_results.push_back(region_result_from_json(r));
  for (const auto& [image, case_id] : record.at("case_of").items()) run.case_of[image] = case_id.get<std::string>();
  for (const auto& c : record.at("case_surfaces")) {
    run.case_surfaces.restore(c.at("prompt").get<std::string>(), c.at("case").get<std::string>(),
                              c.at("class_label").get<int>(), {number_from_json(c.at("nsd")), number_from_json(c.at("hd95"))});
  }
  for (const auto& line : record.at("prompts")) run.prompt_lines.push_back(line.get<std::string>());
  for (const auto& file : record.at("saved")) run.saved_files.push_back(file.get<std::string>());
  run.images_done += record.at("images_done").get<long long>();
  run.images_without_instances += record.at("images_without_instances").get<long long>();
}

void complete_run(Run& run) {
  if (run.journal) run.journal->sync();
  write_state(run.config.run.output, run_state(run, "complete"));
}

void fail_run(Run& run, const std::string& error) {
  if (!run.journal) return;
  try {
    run.journal->sync();
    json state = run_state(run, "failed");
    state["error"] = error;
    write_state(run.config.run.output, state);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not record the run's state: %s\n", e.what());
  }
}

json skipped_json(const Run& run) {
  json out = json::array();
  for (const auto& record : run.skipped) {
    out.push_back({{"case", record.at("key")}, {"images", record.at("images")}, {"error", record.at("skipped")}});
  }
  return out;
}

long long skipped_images(const Run& run) {
  long long n = 0;
  for (const auto& record : run.skipped) n += record.at("images").get<long long>();
  return n;
}

}  // namespace sambench
