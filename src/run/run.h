#pragma once

// The state of one evaluation, shared by the loop (eval.cc) and the writers (run_output.cc).

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/prompts/automatic.h"
#include "sambench/metrics/case_surfaces.h"
#include "sambench/data/config.h"
#include "sambench/data/dataset.h"
#include "sambench/model/embedding_cache.h"
#include "sambench/run/eval.h"
#include "sambench/data/instances.h"
#include "sambench/run/journal.h"
#include "sambench/model/mask_policy.h"
#include "sambench/metrics/metrics.h"
#include "sambench/report/predictions.h"
#include "sambench/prompts/prompt.h"
#include "sambench/prompts/prompt_log.h"
#include "sambench/report/report.h"
#include "sambench/report/run_tables.h"
#include "sambench/model/sam_model.h"
#include "sambench/base/timer.h"
#include "sambench/data/volume_io.h"
#include "run/scoring.h"
#include "run/settings.h"

namespace sambench {

// A volume's predicted label map, filled slice by slice while its case is evaluated (the
// adapters list a case's slices together).
struct OpenCase {
  std::string case_id;
  VolumeGeometry stored;  // the ground truth file's grid, where the volume is written
  LabelVolume labels;     // on the slicing (RAI) grid
};

// Where the Run's lists stood when a unit began (or ended).
struct UnitMark {
  size_t results = 0, image_results = 0, prompt_lines = 0, saved_files = 0;
  long long images_done = 0, images_without_instances = 0;
};

// A unit the model is done with, journaled once its metrics are (run_journal.cc).
struct FinishedUnit {
  const Unit* unit = nullptr;
  UnitMark begin, end;
};

// The settings' modes, result sets, policies and empty rule are the Run's own (run.modes, ...).
struct Run : RunSettings {
  Run(const Config& c, RunSettings settings, std::unique_ptr<Dataset> d, std::vector<SampleRef> s,
      std::optional<SamModel> m, int threads);

  const Config& config;
  std::unique_ptr<Dataset> dataset;
  std::vector<SampleRef> samples;
  std::optional<SamModel> model;  // absent when predictions come from a saved run
  std::optional<ModelInfo> recorded_model;  // sambench merge: the shards' model, not loaded
  const ModelInfo& model_info() const { return model ? model->info() : *recorded_model; }
  std::unique_ptr<EmbeddingDiskCache> embedding_cache;  // run.embedding_cache
  std::optional<std::map<PromptKey, Prompt>> replay;  // prompts read from a prompts.jsonl
  int threads = 1;
  SurfaceOptions surface;
  CaseSurfaces case_surfaces;  // volumes: the 3D NSD and HD95 per case

  std::map<int, std::string> class_names;
  bool volumetric = false;  // any sample is a slice: per-case (3D) results are written

  StageTimes times;
  std::unique_ptr<PendingMetrics> metrics;  // the rows' scores, computed beside the model
  std::vector<InstanceResult> results;
  std::vector<RegionResult> image_results;
  std::map<std::string, std::string> case_of;  // image id → case id
  std::vector<std::string> prompt_lines;       // prompts.jsonl
  std::vector<std::string> saved_files;        // relative to the run folder
  std::optional<OpenCase> open_case;
  long long images_done = 0;
  long long images_without_instances = 0;
  long long encodes_reused = 0;  // samples that took the previous sample's embedding (eval.cc)

  // Crash safety and sharding (run_journal.cc): the units this run evaluates, in listing order.
  std::vector<Unit> units;
  long long listed_units = 0;  // in the whole listing, all shards
  Shard shard;
  OnError on_error = OnError::kFail;
  std::unique_ptr<JournalWriter> journal;
  std::deque<FinishedUnit> unjournaled;  // finished, their metrics still pending
  std::map<long long, nlohmann::json> journaled;  // --resume: the units finished before
  std::vector<nlohmann::json> skipped;            // units skipped by --on-error skip
};

// Lists the dataset's samples (up to run.limit); throws Error when there are none.
std::vector<SampleRef> list_samples(const Dataset& dataset, const Config& config);

// run_output.cc: what a run writes.
// resume: keeps the journal and the saved predictions of the interrupted run.
void prepare_output(const std::filesystem::path& dir, bool resume = false);
void log_start(const Run& run);
std::vector<std::string> table_files(const Run& run);
void write_tables(const Run& run, const std::filesystem::path& dir);
void write_outputs(const Run& run, double wall, double load);
void write_failure(Run& run, const std::string& error);
std::vector<std::pair<std::string, std::vector<LevelSummary>>> mode_levels(const Run& run);
SetGroups group_levels(const Run& run);
// per_case.csv's rows: the image rows summed per case, with the case's 3D surface metrics.
std::vector<RegionResult> case_rows(const Run& run);
RunTables tables_of(const Run& run);
void save_predictions(Run& run, const SampleRef& ref, const Sample& sample,
                      const std::vector<Instance>& instances, const std::vector<Prediction>& predictions);
void flush_case(Run& run);
std::string read_file(const std::filesystem::path& file);

}  // namespace sambench
