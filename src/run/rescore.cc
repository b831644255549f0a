// sambench rescore: a saved run's tables recomputed from its saved masks and the ground truth,
// without the model, through the same loop as eval.

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>

#include "run/evaluator.h"
#include "run/run_output.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
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
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file, "cannot read");
  std::stringstream text;
  text << in.rdbuf();
  auto rows = parse_csv(text.str());
  if (rows.empty()) throw Error(file, "empty table");
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < rows[0].size(); ++i) column[rows[0][i]] = i;
  for (const char* name : {"image", "prompt", "class_label", "instance", "mask_index", "score", "mask_file"}) {
    if (!column.count(name)) throw Error(file, std::string("no '") + name + "' column");
  }
  std::map<SavedKey, SavedInstance> saved;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != rows[0].size()) throw Error(file, "row " + std::to_string(r + 1) + " has the wrong number of fields");
    if (row[column["mask_file"]].empty()) {
      throw Error(file, "the run saved no predictions (rerun eval with --save-predictions)");
    }
    SavedKey key{row[column["image"]], std::stoi(row[column["class_label"]]), std::stoi(row[column["instance"]]),
                 row[column["prompt"]]};
    saved[key] = {std::stoi(row[column["mask_index"]]), std::stof(row[column["score"]]), row[column["mask_file"]]};
  }
  return saved;
}

Config recorded_config(const fs::path& run_dir) {
  fs::path file = run_dir / "summary.json";
  std::ifstream in(file);
  if (!in) throw Error(file, "not found: is this a sambench run folder?");
  json summary;
  try {
    summary = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(file, std::string("invalid JSON: ") + e.what());
  }
  if (summary.value("status", "") != "complete") {
    throw Error(file, "the run is not complete (status '" + summary.value("status", "") + "')");
  }
  return config_from_json(summary.at("config"), summary.value("config_file", ""));
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
      p.mask = read_mask_png(run_dir_ / it->second.mask_file);
      if (p.mask.size() != sample.sample.labels.size()) {
        throw Error(run_dir_ / it->second.mask_file, "saved mask size differs from the ground truth's");
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

 private:
  fs::path run_dir_;
  std::map<SavedKey, SavedInstance> saved_;
};

}  // namespace

RescoreResult run_rescore(const fs::path& run_dir, const fs::path& output) {
  Config config = recorded_config(run_dir);
  config.run.output = output;  // partial results of a failed rescore go there, never into the run
  config.run.metric_workers = resolve_metric_workers(-1, /*model_threads=*/0);
  SavedMasks masks(run_dir);
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config);
  const RunSetup setup(config, std::move(dataset), std::move(samples), std::nullopt, 1);
  RunResults results(setup);
  RunProgress progress(static_cast<size_t>(config.run.metric_workers));
  prepare_output(output);

  Evaluator(setup, results, progress, masks).run();
  const RunSummary summary = summarize(setup, results);
  write_tables(summary, output);
  fs::remove(output / "summary.json");  // the placeholder: a rescore writes tables only

  RescoreResult result;
  result.output = output;
  result.instances = static_cast<long long>(results.output.instance_rows.size());
  for (const auto& name : table_files(summary.tables)) {
    bool same = fs::exists(run_dir / name) && read_file(run_dir / name) == read_file(output / name);
    (same ? result.identical : result.differing).push_back(name);
  }
  return result;
}

}  // namespace sambench
