// sambench eval: the run's setup (settings.h builds its modes, result sets, policies), then the loop (evaluator.h) with
// SAM's masks (sam_masks.h), then the outputs (run_output.h).

#include "sambench/run/eval.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>

#include "run/evaluator.h"
#include "run/interrupt_guard.h"
#include "run/run_folder.h"
#include "run/run.h"
#include "run/run_journal.h"
#include "run/run_output.h"
#include "run/sam_masks.h"
#include "run/stand_in_masks.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
#include "sambench/model/preprocess.h"
#include "sambench/base/path_inside.h"

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
  if (!c.replay_prompts.empty()) replay = read_prompt_log(c.replay_prompts, c.replay_max_points);
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

namespace {

// Once per run: a viewer shows such images rotated, sambench (like the ground truth) does not.
void warn_orientation_tags(const std::vector<SampleRef>& samples) {
  std::set<std::filesystem::path> tagged;
  for (const auto& ref : samples) {
    if (ref.slice < 0 && !tagged.count(ref.image) && has_orientation_tag(ref.image)) tagged.insert(ref.image);
  }
  if (tagged.empty()) return;
  std::fprintf(stderr,
               "sambench: note: %zu image(s) carry an EXIF orientation tag (first: %s); images and masks are read "
               "in their stored pixel grid, without rotating (docs/datasets.md)\n",
               tagged.size(), tagged.begin()->string().c_str());
}

}  // namespace

std::vector<SampleRef> list_samples(const Dataset& dataset, const Config& config, OnError on_error) {
  namespace fs = std::filesystem;
  std::vector<SampleRef> samples = dataset.list();
  if (on_error == OnError::kFail) check_listing(dataset);
  const std::string skipped = skipped_files_text(dataset.skipped_files());
  if (!skipped.empty()) std::fprintf(stderr, "sambench: note: %s", skipped.c_str());
  if (samples.empty()) {
    const fs::path root = config.dataset_base / config.dataset.value("root", std::string());
    throw Error(root, "the dataset lists no samples (check 'dataset.root' and the layout in " +
                          (config.file.empty() ? std::string("the config") : config.file.string()) + ")");
  }
  // Ids become folder names under predictions/: an image named "...png" (id "..") put its masks
  // at the run folder's root.
  for (const auto& ref : samples) {
    for (const std::string* name : {&ref.id, &ref.case_id}) {
      if (name->empty() && name == &ref.case_id) continue;
      if (std::string problem = relative_name_problem(*name); !problem.empty()) {
        throw Error(ref.image, "its sample id '" + *name + "' " + problem + ": not a safe file name; rename the file");
      }
    }
  }
  samples = first_units(std::move(samples), config.run.limit);
  warn_orientation_tags(samples);
  return samples;
}

namespace {

// A config's model.profile overrides, checked on SAM's profile so that an unknown field or value
// fails before the model loads.
void check_profile_overrides(const Config& config) {
  try {
    ModelProfile probe = sam_profile();
    override_profile(probe, config.model.profile);
  } catch (const Error& e) {
    throw Error(config.file.empty() ? std::filesystem::path("config") : config.file, e.what());
  }
}

// The model with the config's profile overrides, refused when its profile needs a step sambench
// does not apply yet.
SamModel load_model(const Config& config) {
  SamModel model = SamModel::load(config.model.path, config.model.device, config.model.precision);
  model.override_profile(config.model.profile);
  try {
    check_profile_supported(model.info().profile);
  } catch (const Error& e) {
    throw Error(config.model.path, e.what());
  }
  return model;
}

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
  check_profile_overrides(requested);
  Config config = requested;
  auto start = std::chrono::steady_clock::now();
  // Before the model loads too: a folder in use or holding another run is refused at once.
  const auto lock = claim_run_folder(config.run.output, folder_use(options));
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config, options.on_error);
  const std::vector<Unit> listed = list_units(samples);
  std::vector<Unit> units = shard_units(listed, options.shard);
  samples = samples_of(units);
  int threads = set_threads(config.run.threads);
  std::optional<SamModel> model;
  if (!options.stand_in_model) model = load_model(config);
  double load = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string device = model ? model->info().device : "cpu";
  if (config.run.decode_batch == 0) config.run.decode_batch = default_decode_batch(device);
  if (config.run.encode_batch == 0) config.run.encode_batch = default_encode_batch(device);
  // The stand-in leaves every core to the harness, as a GPU nearly does.
  const int model_threads = options.stand_in_model ? 0 : device != "cpu" ? 1 : threads;
  const WorkerPlan plan = plan_workers(config.run, model_threads);
  config.run.workers = plan.workers;  // as timings.json records them
  config.run.metric_workers = plan.post_decode_on_workers ? plan.workers : 0;

  // Rebuilt for the model: a config without a mask_policy keeps what the model's own pipeline
  // keeps, and everything mode takes the model's official defaults.
  if (model) {
    const ModelProfile& profile = model->info().profile;
    if (!config.mask_policy.written) config.mask_policy = parse_mask_policy_names(profile_mask_policy(profile.mask_output));
    settings = settings_of(config, profile);
  }
  RunSetup setup(config, std::move(settings), std::move(dataset), std::move(samples), std::move(model), threads);
  if (options.stand_in_model) setup.recorded_model = stand_in_model_info();
  setup.units = std::move(units);
  setup.listed_units = static_cast<long long>(listed.size());
  setup.shard = options.shard;
  setup.on_error = options.on_error;
  if (!config.run.embedding_cache.empty() && setup.model) {
    const ModelInfo& info = setup.model->info();
    setup.embedding_disk_cache = std::make_unique<EmbeddingDiskCache>(
        config.run.embedding_cache, info.sha256, info.features, info.precision,
        config.run.embedding_cache_shared, preprocessing_key(info.profile));
  }
  RunResults results(setup);
  RunProgress progress(plan);
  log_start(setup);
  open_run(setup, progress, options.resume);
  long long encodes_reused = 0;
  if (options.stand_in_model) {
    StandInMasks masks(setup, progress.times);
    Evaluator(setup, results, progress, masks).run();
  } else {
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
