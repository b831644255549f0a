#pragma once

// The state of one evaluation, in three parts: its setup (fixed), its results (what the finished
// units produced) and its progress (what the loop and the journal hold meanwhile). The loop
// (evaluator.h), the journal (run_journal.h) and the writers (run_output.h) each take the parts
// they need.

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
#include "sambench/report/tables.h"
#include "sambench/report/run_tables.h"
#include "sambench/model/sam_model.h"
#include "sambench/base/timer.h"
#include "sambench/data/volume_io.h"
#include "run/eval_output.h"
#include "run/settings.h"
#include "run/scoring.h"
#include "run/workers.h"

namespace sambench {

// A volume's predicted label map, filled slice by slice while its case is evaluated (the
// adapters list a case's slices together).
struct OpenCase {
  std::string case_id;
  VolumeGeometry stored;  // the ground truth file's grid, where the volume is written
  LabelVolume labels;     // on the slicing (RAI) grid
};

// What a run evaluates and how, fixed before its loop starts: the loop, the journal and the
// writers read it and never change it (eval.cc builds it).
struct RunSetup {
  RunSetup(const Config& c, RunSettings settings, std::unique_ptr<Dataset> d, std::vector<SampleRef> s,
           std::optional<SamModel> m, int threads);

  const Config& config;
  const RunSettings settings;  // modes, result sets, mask policies, empty rule (settings.h)
  std::unique_ptr<Dataset> dataset;
  std::vector<SampleRef> samples;
  std::optional<SamModel> model;  // absent when predictions come from a saved run
  std::optional<ModelInfo> recorded_model;  // sambench merge: the shards' model, not loaded
  const ModelInfo& model_info() const { return model ? model->info() : *recorded_model; }
  std::unique_ptr<EmbeddingDiskCache> embedding_disk_cache;  // run.embedding_cache
  std::optional<std::map<PromptKey, Prompt>> replay;  // prompts read from a prompts.jsonl
  int threads = 1;
  SurfaceOptions surface;

  std::map<int, std::string> class_names;
  bool volumetric = false;  // any sample is a slice: per-case (3D) results are written

  // Crash safety and sharding (run_journal.cc): the units this run evaluates, in listing order.
  std::vector<Unit> units;
  long long listed_units = 0;  // in the whole listing, all shards
  Shard shard;
  OnError on_error = OnError::kFail;
};

// What the run has produced: its finished units' output, in listing order, and the units it
// skipped.
struct RunResults {
  explicit RunResults(const RunSetup& setup) : case_surfaces(setup.surface, setup.settings.empty_rule) {}

  EvalOutput output;
  CaseSurfaces case_surfaces;          // volumes: the 3D NSD and HD95 per case
  std::vector<nlohmann::json> skipped;  // units skipped by --on-error skip (journal records)
};

// A unit the model is done with, journaled once its metrics are (run_journal.cc).
struct FinishedUnit {
  const Unit* unit = nullptr;
  std::unique_ptr<EvalOutput> output;  // on the heap: pending metrics fill its rows in place
};

// Where the loop stands: what is being evaluated, what waits for its metrics or the journal,
// and the time spent so far.
struct RunProgress {
  explicit RunProgress(const WorkerPlan& plan)
      : pool(static_cast<size_t>(plan.workers)), metrics(pool, plan.post_decode_on_workers) {}

  std::unique_ptr<JournalWriter> journal;
  std::map<long long, nlohmann::json> journaled;  // --resume: the units finished before
  std::unique_ptr<EvalOutput> open_unit;          // the unit being evaluated: its output so far
  std::optional<OpenCase> open_case;
  std::deque<FinishedUnit> unjournaled;  // finished, their metrics still pending
  ThreadPool pool;                       // the read-ahead's and the post-decode jobs' workers
  PendingMetrics metrics;                // the rows' scores, computed beside the model
  StageTimes times;
};

// Lists the dataset's samples (those of the first run.limit units: images, or whole cases);
// throws Error when there are none, and under OnError::kFail when an image cannot be a sample
// (check_listing). Prints the files the listing passed over to stderr.
std::vector<SampleRef> list_samples(const Dataset& dataset, const Config& config, OnError on_error = OnError::kFail);

}  // namespace sambench
