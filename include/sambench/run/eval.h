#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "sambench/data/config.h"
#include "sambench/metrics/summary.h"
#include "sambench/run/shard.h"

namespace sambench {

struct EvalResult {
  std::filesystem::path output;
  long long images = 0;
  long long instances = 0;  // per prompt mode
  std::vector<LevelSummary> levels;  // the first prompt mode's: instance, image, case (volumes)
  std::vector<std::pair<std::string, std::vector<LevelSummary>>> modes;  // every prompt mode's
  double wall_seconds = 0.0;  // model loading and the loop, not the writing
  nlohmann::json timings;     // what timings.json holds: stage times, throughput, device
  int decode_batch = 0;       // prompts per decoder call, as run (the device's default for 0)
};

// What a failing sample does to the run: stops it (the default), or is skipped with its whole
// case and listed in summary.json. Errors writing the results always stop the run.
enum class OnError { kFail, kSkip };

OnError parse_on_error(const std::string& name);

struct EvalOptions {
  bool resume = false;  // keep the journaled units of an interrupted run in the output folder
  bool overwrite = false;  // replace a run (finished or not) already in the output folder
  Shard shard;          // evaluate only this shard's cases
  OnError on_error = OnError::kFail;
  // bench --model none: no model is loaded; each object's mask is its ground truth shifted by a
  // few pixels (src/run/stand_in_masks.h), so the harness's own stages are timed alone.
  bool stand_in_model = false;
};

// read → preprocess → encode → prompt → decode → score → write, for every sample.
// Writes per_instance.csv, per_class.csv, summary.json and timings.json into config.run.output.
// On failure, what was computed is kept in per_instance.partial.csv and summary.json says
// "failed" (or "interrupted" on SIGINT, SIGTERM, SIGHUP: an Interrupted error); then the Error is
// rethrown. The output folder is locked for the call; a folder that holds another run, or files
// sambench did not write, is refused unless options.resume or options.overwrite say what to do
// (docs/reliability.md).
EvalResult run_eval(const Config& config, const EvalOptions& options = {});

struct RescoreResult {
  std::filesystem::path output;
  long long instances = 0;
  std::vector<std::string> identical, differing;  // table files compared with the run's own
};

// Recomputes every table of a run made with save_predictions from its saved masks and the
// ground truth, without the model, into `output`, and compares each with the run's own. The
// ground truth is read from `dataset_root`; empty: from the recorded root, and only in a run
// folder the user owns (report/run_dataset.h). Mask files must lie inside the run folder.
RescoreResult run_rescore(const std::filesystem::path& run_dir, const std::filesystem::path& output,
                          const std::filesystem::path& dataset_root = {});

}  // namespace sambench
