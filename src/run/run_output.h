#pragma once

// What a run writes (run_output.cc): the tables, summary.json, timings.json, prompts.jsonl,
// report.md and the saved predictions; and what it writes when it fails.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/run.h"
#include "sambench/report/run_tables.h"

namespace sambench {

// The run's rows as a saved run's files hold them (run_tables.h), so that eval and report
// summarize through the same code, with their summaries (bootstrap included): computed once
// after the loop, and read by every writer.
struct RunSummary {
  RunTables tables;
  SetLevels levels;  // per result set: instance, image and (volumes) case level
  SetGroups groups;  // per result set: the instance level of each group
};

RunSummary summarize(const RunSetup& setup, const RunResults& results);

// Removes an earlier run's files (run_folder.h; resume: keeps the journal and the saved
// predictions of the interrupted run) and writes the "running" placeholder summary.json.
void prepare_output(const std::filesystem::path& dir, bool resume = false);
void log_start(const RunSetup& setup);
std::vector<std::string> table_files(const RunTables& tables);
void write_tables(const RunSummary& summary, const std::filesystem::path& dir);

// timings.json: times and throughput of the loop, which results never depend on.
nlohmann::json timings_json(const RunSetup& setup, const RunResults& results, const StageTimes& times,
                            long long encodes_reused, double wall, double load);

// Every file of a complete run; summary.json last.
void write_outputs(const RunSetup& setup, const RunResults& results, const RunSummary& summary,
                   const nlohmann::json& timings);

// per_instance.partial.csv and summary.json with `status` ("failed", "interrupted"), from what
// `results` hold; state_recorded: run_state.json says the same (fail_run), else summary.json is
// removed rather than left saying "running". Never throws.
void write_failure(const RunSetup& setup, const RunResults& results, const std::string& error,
                   const std::string& status, bool state_recorded);

// summary.json alone, as write_failure writes it (a failure after the tables were written).
void write_failed_summary(const RunSetup& setup, const RunResults& results, const std::string& error,
                          const std::string& status, bool state_recorded);

// One sample's kept masks written: the files (relative to the run folder) and its label map.
struct SavedPredictions {
  std::vector<std::string> files;
  cv::Mat label_map;
};

// Writes one sample's kept masks, logits and label map; touches nothing but those files, so a
// worker may call it. Each file enters `saved.files` before it is written: when a write fails,
// `saved` still lists every file begun, for the run to list (or remove).
void write_predictions(const RunSetup& setup, const SampleRef& ref, const Sample& sample,
                       const std::vector<Instance>& instances, const std::vector<Prediction>& predictions,
                       SavedPredictions& saved);

// A volume slice's label map (`stored`: its volume's grid) into its case's label volume; a
// slice of another case first writes the open one (flush_case). Slices must come in order.
void add_to_case(const RunSetup& setup, std::optional<OpenCase>& open_case, EvalOutput& unit, const SampleRef& ref,
                 const VolumeGeometry& stored, const cv::Mat& label_map);

// Writes the open case's label volume, if any, and lists it in `unit`.
void flush_case(const RunSetup& setup, std::optional<OpenCase>& open_case, EvalOutput& unit);


}  // namespace sambench
