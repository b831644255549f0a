// sambench rescore: a saved run's tables recomputed from its saved masks and the ground truth,
// without the model, through the same loop as eval.

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "run/evaluator.h"
#include "run/interrupt_guard.h"
#include "run/run_output.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/path_inside.h"
#include "sambench/data/image_io.h"
#include "sambench/report/csv.h"
#include "sambench/report/run_dataset.h"
#include "sambench/report/run_tables.h"
#include "sambench/run/eval.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What a saved run recorded for each instance: the kept output, its score and its mask file.
struct SavedInstance {
  int mask_index = 0;
  float score = 0.0f;
  std::string mask_file;
};

using SavedKey = std::tuple<std::string, int, int, std::string>;  // image, class, instance, prompt

std::map<SavedKey, SavedInstance> read_saved_instances(const fs::path& file) {
  CsvTable table = CsvTable::read(file);
  std::map<SavedKey, SavedInstance> saved;
  for (size_t r = 0; r < table.rows(); ++r) {
    if (table.at(r, "mask_file").empty()) {
      throw Error(file, "the run saved no predictions (rerun eval with --save-predictions)");
    }
    SavedKey key{table.at(r, "image"), static_cast<int>(table.integer(r, "class_label")),
                 static_cast<int>(table.integer(r, "instance")),
                 table.at(r, "prompt")};
    // The score is parsed as a float, as it was written, so a rescore keeps its bits.
    saved[key] = {static_cast<int>(table.integer(r, "mask_index")), std::stof(table.at(r, "score")), table.at(r, "mask_file")};
  }
  return saved;
}

// The profile the run's model followed: SAM's for a run recorded before profiles.
ModelProfile recorded_profile(const json& summary, const fs::path& run_dir) {
  const json model = summary.value("model", json::object());
  if (!model.is_object() || !model.contains("profile")) return sam_profile();
  return parse_model_profile(model.at("profile"), run_dir / "summary.json");
}

// The kept masks a saved run wrote (save_predictions), one per instance and mode.
class SavedMasks : public MaskSource {
 public:
  explicit SavedMasks(const fs::path& run_dir)
      : run_dir_(run_dir), saved_(read_saved_instances(run_dir / "per_instance.csv")) {}

  PolicyPredictions predict(const Mode& mode, const PreparedSample& sample, const std::vector<Prompt>&) override {
    const SampleRef& ref = sample.ref;
    std::vector<Prediction> predictions;
    for (const auto& inst : sample.instances) {
      auto it = saved_.find({ref.id, inst.class_label, inst.index, mode.name});
      if (it == saved_.end()) {
        throw Error(run_dir_ / "per_instance.csv", "no row for " + ref.id + " class " +
                                                       std::to_string(inst.class_label) + " instance " +
                                                       std::to_string(inst.index) + ": the data changed since the run");
      }
      Prediction p;
      p.mask_index = it->second.mask_index;
      p.score = it->second.score;
      // The name comes from a CSV that whoever made the run folder wrote: it must stay inside.
      const fs::path mask_file = path_inside(run_dir_, it->second.mask_file, run_dir_ / "per_instance.csv");
      p.mask = read_mask_png(mask_file);
      if (p.mask.size() != sample.sample.labels.size()) {
        throw Error(mask_file, "saved mask size differs from the ground truth's");
      }
      predictions.push_back(std::move(p));
    }
    return PolicyPredictions{predictions};
  }

  // A saved run keeps the last round's masks only (an iterative run's rows name their round, so
  // predict finds none of them and stops the rescore first).
  PolicyPredictions refine(const PreparedSample&, const std::vector<Prompt>&, const std::vector<Prediction>&) override {
    throw Error(run_dir_ / "per_instance.csv", "an iterative mode's rounds cannot be rescored from saved masks");
  }

  // The saved masks are at full resolution on the host already (and device_counts gives
  // nothing: they are counted there).
  void finish(const Mode&, const PreparedSample&, PolicyPredictions&, StageTimes&) const override {}

 private:
  fs::path run_dir_;
  std::map<SavedKey, SavedInstance> saved_;
};

// A table's bytes for the comparison, or none when it is missing or not a plain file (the run
// folder may be someone else's: a FIFO there must not block, a device must not be read whole).
std::optional<std::string> table_bytes(const fs::path& file) {
  try {
    return read_regular_file(file, size_t{16} << 30, Symlinks::kFollow);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

RescoreResult run_rescore(const fs::path& run_dir, const fs::path& output, const fs::path& dataset_root) {
  InterruptGuard guard;
  const json summary_json = read_complete_summary(run_dir);
  // The run's config, reading its dataset only where the user confirms (report/run_dataset.h).
  Config config = confirmed_run_config(run_dir, summary_json, dataset_root);
  config.run.output = output;  // partial results of a failed rescore go there, never into the run
  config.run.workers = -1;  // a rescore's own machine decides, not the run's
  config.run.metric_workers = -1;
  RunSettings settings = settings_of(config, recorded_profile(summary_json, run_dir));
  SavedMasks masks(run_dir);
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config);
  check_inside_root(config, samples);
  const RunSetup setup(config, std::move(settings), std::move(dataset), std::move(samples), std::nullopt, 1);
  RunResults results(setup);
  RunProgress progress(plan_workers(config.run, /*model_threads=*/0));
  prepare_output(output);

  Evaluator(setup, results, progress, masks).run();
  const RunSummary summary = summarize(setup, results);
  write_tables(summary, output);
  fs::remove(output / "summary.json");  // the placeholder: a rescore writes tables only

  RescoreResult result;
  result.output = output;
  result.instances = static_cast<long long>(results.output.instance_rows.size());
  for (const auto& name : table_files(summary.tables)) {
    const auto before = table_bytes(run_dir / name), after = table_bytes(output / name);
    const bool same = before && after && *before == *after;
    (same ? result.identical : result.differing).push_back(name);
  }
  return result;
}

}  // namespace sambench
