// sambench eval: the run's setup (settings.h builds its modes, result sets, policies), then the loop (evaluator.h) with
// SAM's masks (sam_masks.h), then the outputs (run_output.h).

#include "sambench/run/eval.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "run/evaluator.h"
#include "run/interrupt_guard.h"
#include "run/run_folder.h"
#include "run/run.h"
#include "run/run_journal.h"
#include "run/run_output.h"
#include "run/sam_masks.h"
#include "sambench/base/error.h"

namespace sambench {

RunSetup::RunSetup(const Config& c, RunSettings settings, std::unique_ptr<Dataset> d, std::vector<SampleRef> s,
                   std::optional<SamModel> m, int t)
    : config(c),
      settings(std::move(settings)),
      dataset(std::move(d)),
      samples(std::move(s)),
      model(std::move(m)),
      threads(t),
      surface{c.metrics.surface, c.metrics.nsd_tolerance_mm} {
  if (!c.replay_prompts.empty()) replay = read_prompt_log(c.replay_prompts);
  for (const auto& cls : dataset->classes()) class_names[cls.label] = cls.name;
  for (const auto& ref : samples) volumetric |= ref.slice >= 0;
  units = list_units(samples);
  listed_units = static_cast<long long>(units.size());
}

OnError parse_on_error(const std::string& name) {
  if (name == "fail") return OnError::kFail;
  if (name == "skip") return OnError::kSkip;
  throw Error("--on-error: expected fail or skip, got '" + name + "'");
}

std::vector<SampleRef> list_samples(const Dataset& dataset, const Config& config) {
  namespace fs = std::filesystem;
  std::vector<SampleRef> samples = dataset.list();
  if (samples.empty()) {
    const fs::path root = config.dataset_base / config.dataset.value("root", std::string());
    throw Error(root, "the dataset lists no samples (check 'dataset.root' and the layout in " +
                          (config.file.empty() ? std::string("the config") : config.file.string()) + ")");
  }
  return first_units(std::move(samples), config.run.limit);
}

namespace {

FolderUse folder_use(const EvalOptions& options) {
  if (options.overwrite) return FolderUse::kOverwrite;
  return options.resume ? FolderUse::kResume : FolderUse::kFresh;
}

// The outputs of a run whose loop finished; a failure here (a full disk) marks the run failed in
// run_state.json and summary.json alike, and the journal keeps every unit for a resume.
void finish_run(const RunSetup& setup, const RunResults& results, RunProgress& progress, const RunSummary& summary,
                const nlohmann::json& timings) {
  try {
    write_outputs(setup, results, summary, timings);
    complete_run(setup, progress);
  } catch (const std::exception& e) {
    const bool state_recorded = fail_run(setup, progress, e.what(), "failed");
    write_failed_summary(setup, results, e.what(), "failed", state_recorded);
    throw;
  }
}

}  // namespace

EvalResult run_eval(const Config& requested, const EvalOptions& options) {
  InterruptGuard guard;  // from the start: a SIGTERM while the model loads still ends "interrupted"
  validate(requested);
  RunSettings settings = settings_of(requested);  // before the model loads: a typo fails at once
  Config config = requested;
  auto start = std::chrono::steady_clock::now();
  // Before the model loads too: a folder in use or holding another run is refused at once.
  const auto lock = claim_run_folder(config.run.output, folder_use(options));
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config);
  const std::vector<Unit> listed = list_units(samples);
  std::vector<Unit> units = shard_units(listed, options.shard);
  samples = samples_of(units);
  int threads = set_threads(config.run.threads);
  SamModel model = SamModel::load(config.model.path, config.model.device, config.model.precision);
  double load = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (config.run.decode_batch == 0) config.run.decode_batch = default_decode_batch(model.info().device);
  const bool on_gpu = model.info().device != "cpu";
  config.run.metric_workers = resolve_metric_workers(config.run.metric_workers, on_gpu ? 1 : threads);

  RunSetup setup(config, std::move(settings), std::move(dataset), std::move(samples), std::move(model), threads);
  setup.units = std::move(units);
  setup.listed_units = static_cast<long long>(listed.size());
  setup.shard = options.shard;
  setup.on_error = options.on_error;
  if (!config.run.embedding_cache.empty()) {
    const ModelInfo& info = setup.model->info();
    setup.embedding_disk_cache = std::make_unique<EmbeddingDiskCache>(config.run.embedding_cache, info.sha256, 256,
                                                                      info.embedding_size, info.precision);
  }
  RunResults results(setup);
  RunProgress progress(static_cast<size_t>(std::max(0, config.run.metric_workers)));
  log_start(setup);
  open_run(setup, progress, options.resume);
  long long encodes_reused = 0;
  {
    SamMasks masks(setup, progress.times);  // holds the last embedding until the loop ends
    Evaluator(setup, results, progress, masks).run();
    encodes_reused = masks.encodes_reused();
  }

  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const RunSummary summary = summarize(setup, results);
  EvalResult result;
  result.timings = timings_json(setup, results, progress.times, encodes_reused, wall, load);
  finish_run(setup, results, progress, summary, result.timings);

  result.output = config.run.output;
  result.images = results.output.images_done;
  result.instances = static_cast<long long>(results.output.instance_rows.size() / setup.settings.result_sets.size());
  result.modes = summary.levels;
  result.levels = result.modes.front().second;
  result.wall_seconds = wall;
  result.decode_batch = config.run.decode_batch;
  return result;
}

}  // namespace sambench
