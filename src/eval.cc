#include "sambench/eval.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <tuple>
#include <sstream>

#include "sambench/dataset.h"
#include "sambench/error.h"
#include "sambench/instances.h"
#include "sambench/mask_policy.h"
#include "sambench/metrics.h"
#include "sambench/postprocess.h"
#include "sambench/predictions.h"
#include "sambench/image_io.h"
#include "sambench/preprocess.h"
#include "sambench/progress.h"
#include "sambench/prompt.h"
#include "sambench/report.h"
#include "sambench/sam_model.h"
#include "sambench/timer.h"
#include "sambench/version.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted = true; }

// A volume's predicted label map, filled slice by slice while its case is evaluated (the
// adapters list a case's slices together).
struct OpenCase {
  std::string case_id;
  VolumeGeometry stored;  // the ground truth file's grid, where the volume is written
  LabelVolume labels;     // on the slicing (RAI) grid
};

// Everything one evaluation needs, built once from the config.
struct Run {
  Run(const Config& c, std::unique_ptr<Dataset> d, std::vector<SampleRef> s,
      std::optional<SamModel> m, int t)
      : config(c),
        dataset(std::move(d)),
        samples(std::move(s)),
        model(std::move(m)),
        rule(make_prompt_rule(c.prompt)),
        policy(parse_mask_policy(c.mask_policy)),
        empty_rule(parse_empty_rule(c.empty_rule)),
        threads(t) {
    for (const auto& c : dataset->classes()) class_names[c.label] = c.name;
    for (const auto& ref : samples) volumetric |= ref.slice >= 0;
  }

  const Config& config;
  std::unique_ptr<Dataset> dataset;
  std::vector<SampleRef> samples;
  std::optional<SamModel> model;  // absent when predictions come from a saved run
  std::unique_ptr<PromptRule> rule;
  MaskPolicy policy;
  EmptyRule empty_rule;
  int threads = 1;

  std::map<int, std::string> class_names;
  bool volumetric = false;  // any sample is a slice: per-case (3D) results are written

  StageTimes times;
  std::vector<InstanceResult> results;
  std::vector<RegionResult> image_results;
  std::map<std::string, std::string> case_of;  // image id → case id
  std::vector<std::string> saved_files;        // relative to the run folder
  std::optional<OpenCase> open_case;
  long long images_done = 0;
  long long images_without_instances = 0;
};

std::vector<SampleRef> list_samples(const Dataset& dataset, const Config& config) {
  std::vector<SampleRef> samples = dataset.list();
  if (samples.empty()) throw Error("dataset: no samples found (check 'dataset.root')");
  if (config.run.limit > 0 && samples.size() > static_cast<size_t>(config.run.limit)) {
    samples.resize(config.run.limit);
  }
  return samples;
}

// Decodes prompts [begin, end) of one image in a single call; upscales only the kept masks.
void decode_chunk(Run& run, const Embedding& embedding, const ResizeTransform& transform,
                  const std::vector<DecoderPrompt>& prompts, size_t begin, size_t end,
                  std::vector<Prediction>& out) {
  std::vector<DecoderPrompt> batch(prompts.begin() + begin, prompts.begin() + end);
  DecodeOutput decoded;
  {
    auto t = run.times.time("decode");
    decoded = run.model->decode(embedding, batch);
  }
  auto t = run.times.time("upscale");
  for (int p = 0; p < decoded.batch; ++p) {
    Prediction pred;
    pred.mask_index = choose_mask(&decoded.iou[p * decoded.masks], decoded.masks, run.policy);
    pred.score = decoded.score(p, pred.mask_index);
    const float* logits = decoded.mask_logits(p, pred.mask_index);
    pred.mask = threshold_logits(upscale_logits(logits, decoded.size, transform),
                                 run.model->info().mask_threshold);
    if (run.config.run.save_logits) {
      pred.logits.assign(logits, logits + decoded.size * decoded.size);
      pred.logits_size = decoded.size;
    }
    out.push_back(std::move(pred));
  }
}

// preprocess → encode → decode: one prediction per prompt.
std::vector<Prediction> predict(Run& run, const Sample& sample, const std::vector<Prompt>& prompts) {
  const ModelInfo& info = run.model->info();
  ResizeTransform transform = longest_side_transform(sample.image.rows, sample.image.cols, info.image_size);
  std::vector<float> input;
  std::vector<DecoderPrompt> decoder_prompts;
  {
    auto t = run.times.time("preprocess");
    input = make_model_input(sample.image, transform, info.normalization);
    for (const auto& p : prompts) decoder_prompts.push_back(to_decoder_prompt(p, transform));
  }
  Embedding embedding = [&] {
    auto t = run.times.time("encode");
    return run.model->encode(input);
  }();
  // A batch holds prompts with equal point counts: padding them to one length would change SAM's
  // output, since padding points take part in attention.
  std::vector<Prediction> predictions;
  const size_t batch = static_cast<size_t>(run.config.run.decode_batch);
  for (size_t begin = 0; begin < decoder_prompts.size();) {
    size_t end = begin + 1;
    while (end < decoder_prompts.size() && end - begin < batch &&
           decoder_prompts[end].size() == decoder_prompts[begin].size()) {
      ++end;
    }
    decode_chunk(run, embedding, transform, decoder_prompts, begin, end, predictions);
    begin = end;
  }
  return predictions;
}

// Instance rows, then one region row per class present in the image: the union of the class's
// kept masks against the whole class mask (components below min_area included, as misses).
void score(Run& run, const SampleRef& ref, const Sample& sample, const std::vector<Instance>& instances,
           const std::vector<Prediction>& predictions) {
  auto t = run.times.time("metrics");
  const std::string& case_id = ref.case_id.empty() ? ref.id : ref.case_id;
  std::map<int, cv::Mat> unions;
  for (size_t i = 0; i < instances.size(); ++i) {
    const Instance& inst = instances[i];
    const Prediction& pred = predictions[i];
    InstanceResult r;
    r.image = ref.id;
    r.case_id = case_id;
    r.group = ref.group;
    r.class_label = inst.class_label;
    r.class_name = run.class_names.at(inst.class_label);
    r.instance = inst.index;
    r.centroid = centroid(inst.mask);
    r.centroid_inside = contains(inst.mask, r.centroid);
    r.mask_index = pred.mask_index;
    r.score = pred.score;
    if (run.config.run.save_predictions) r.mask_file = instance_mask_path(ref.id, r.class_name, r.instance);
    r.overlap = overlap(pred.mask, inst.mask);
    r.dice = dice(r.overlap, run.empty_rule);
    r.iou = iou(r.overlap, run.empty_rule);
    run.results.push_back(std::move(r));

    cv::Mat& u = unions[inst.class_label];
    if (u.empty()) u = cv::Mat::zeros(pred.mask.size(), CV_8U);
    u |= pred.mask;
  }
  for (const auto& [label, predicted] : unions) {
    RegionResult r;
    r.unit = ref.id;
    r.group = ref.group;
    r.class_label = label;
    r.class_name = run.class_names.at(label);
    r.overlap = overlap(predicted, sample.labels == label);
    r.dice = dice(r.overlap, run.empty_rule);
    r.iou = iou(r.overlap, run.empty_rule);
    run.image_results.push_back(std::move(r));
  }
  run.case_of[ref.id] = case_id;
}

// Writes the open case's label volume as predictions/<case>.nii.gz, on its source grid.
void flush_case(Run& run) {
  if (!run.open_case) return;
  std::string file = "predictions/" + run.open_case->case_id + ".nii.gz";
  fs::path path = run.config.run.output / file;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  write_label_volume(path, to_stored_orientation(run.open_case->labels, run.open_case->stored));
  run.saved_files.push_back(file);
  run.open_case.reset();
}

void add_to_case(Run& run, const SampleRef& ref, const VolumeGeometry& stored, const cv::Mat& label_map) {
  if (run.open_case && run.open_case->case_id != ref.case_id) flush_case(run);
  const VolumeGeometry grid = rai_geometry(stored);
  if (!run.open_case) {
    run.open_case = OpenCase{ref.case_id, stored, {grid, {}}};
    run.open_case->labels.voxels.assign(size_t(grid.size[0]) * grid.size[1] * grid.size[2], 0);
  }
  LabelVolume& volume = run.open_case->labels;
  if (label_map.cols != grid.size[0] || label_map.rows != grid.size[1] || ref.slice < 0 ||
      ref.slice >= grid.size[2]) {
    throw Error(ref.mask, "slice " + ref.id + " does not fit its volume's grid");
  }
  cv::Mat wide;
  label_map.convertTo(wide, CV_16U);
  cv::Mat target(grid.size[1], grid.size[0], CV_16U, volume.voxels.data() + volume.slice_pixels() * ref.slice);
  wide.copyTo(target);
}

// The kept masks, their label map and optionally their logits, under predictions/.
void save_predictions(Run& run, const SampleRef& ref, const Sample& sample,
                      const std::vector<Instance>& instances, const std::vector<Prediction>& predictions) {
  auto t = run.times.time("write");
  const fs::path& dir = run.config.run.output;
  for (size_t i = 0; i < instances.size(); ++i) {
    const std::string& name = run.class_names.at(instances[i].class_label);
    std::string mask = instance_mask_path(ref.id, name, instances[i].index);
    write_mask_png(dir / mask, predictions[i].mask);
    run.saved_files.push_back(mask);
    if (!predictions[i].logits.empty()) {
      std::string logits = instance_logits_path(ref.id, name, instances[i].index);
      write_npy(dir / logits, predictions[i].logits, predictions[i].logits_size, predictions[i].logits_size);
      run.saved_files.push_back(logits);
    }
  }
  std::string labels = label_map_path(ref.id);
  cv::Mat label_map = merge_label_map(instances, predictions, sample.labels.size());
  write_image(dir / labels, label_map);
  run.saved_files.push_back(labels);
  if (sample.volume) add_to_case(run, ref, *sample.volume, label_map);
}

// Where the kept masks come from: SAM, or the files of a saved run (sambench rescore).
using PredictionSource = std::function<std::vector<Prediction>(
    Run&, const SampleRef&, const Sample&, const std::vector<Instance>&, const std::vector<Prompt>&)>;

void evaluate_sample(Run& run, const SampleRef& ref, const PredictionSource& source) {
  Sample sample;
  {
    auto t = run.times.time("read");
    sample = run.dataset->load(ref);
  }
  std::vector<Instance> instances;
  std::vector<Prompt> prompts;
  {
    auto t = run.times.time("prompt");
    instances = find_instances(sample.labels, run.dataset->classes(), run.config.instances);
    const PromptContext context{ref.id, sample.image.size(), 0};
    for (const auto& inst : instances) prompts.push_back(run.rule->make(inst, context));
  }
  if (instances.empty()) {
    ++run.images_without_instances;  // nothing to prompt: skip the encoder
    return;
  }
  std::vector<Prediction> predictions = source(run, ref, sample, instances, prompts);
  score(run, ref, sample, instances, predictions);
  // A rescore (no model) reads these files; it must not rewrite them.
  if (run.config.run.save_predictions && run.model) save_predictions(run, ref, sample, instances, predictions);
}

json conventions(const Run& run) {
  const ModelInfo& info = run.model->info();
  const InstanceConfig& ic = run.config.instances;
  return {
      {"instances", ic.whole_class
                        ? "whole_class: each class's whole mask is one instance"
                        : "8-connected components of each class mask with at least " +
                              std::to_string(ic.min_area) + " pixels"},
      {"prompt", run.rule->describe()},
      {"mask_policy", describe(run.policy)},
      {"empty_rule", describe(run.empty_rule)},
      {"preprocess", "SamPredictor: longest side resized to " + std::to_string(info.image_size) +
                         " with PIL-equivalent bilinear (antialiased) resampling, normalized with "
                         "the model's pixel mean/std, zero-padded bottom/right"},
      {"postprocess", "low-res logits bilinearly upscaled (align_corners=false) to " +
                          std::to_string(info.image_size) +
                          ", cropped, resized to the original size; mask = logit > " +
                          format_number(info.mask_threshold, 3)},
      {"metrics", "Dice = 2|P∩G|/(|P|+|G|), IoU = |P∩G|/|P∪G|, at original resolution"},
      {"levels", "instance: each prompted instance against its own mask; image: per class, the "
                 "union of the class's kept masks against the whole class mask (instances below "
                 "min_area count as missed); case (volumes): the image rows' pixel counts summed "
                 "over the case's evaluated slices, i.e. the 3D Dice of the stacked predictions"},
      {"aggregation", "per class: mean, population std and median over the level's rows (NaN "
                      "excluded); mean_over_classes: mean of the class means; mean_over_<rows>: "
                      "mean over all rows"},
  };
}

std::vector<RegionResult> case_results(const Run& run);

// The CSV tables a run writes, given what the dataset holds.
std::vector<std::string> table_files(const Run& run) {
  std::vector<std::string> files = {"per_instance.csv", "per_image.csv", "per_class.csv",
                                    "per_class_image.csv"};
  if (run.volumetric) {
    files.push_back("per_case.csv");
    files.push_back("per_class_case.csv");
  }
  for (const auto& r : run.results) {
    if (r.group.empty()) continue;
    files.push_back("per_group.csv");
    break;
  }
  return files;
}

// Saved prediction files, sorted so the list does not depend on the order of writing.
json saved_files(const Run& run) {
  std::vector<std::string> files = run.saved_files;
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<RegionResult> case_results(const Run& run) {
  return combine_cases(run.image_results, run.case_of, run.empty_rule);
}

// The study's tables at every level: per instance (its own), per image, per case (volumes).
std::vector<LevelSummary> levels(const Run& run) {
  const auto& classes = run.dataset->classes();
  std::vector<LevelSummary> out = {
      summarize_level("instance", "instances", scores_of(run.results), classes),
      summarize_level("image", "images", scores_of(run.image_results), classes)};
  if (run.volumetric) out.push_back(summarize_level("case", "cases", scores_of(case_results(run)), classes));
  return out;
}

// Instance-level summaries per group (e.g. per fundus domain), for datasets that define groups.
std::map<std::string, LevelSummary> group_levels(const Run& run) {
  std::map<std::string, std::vector<InstanceResult>> by_group;
  for (const auto& r : run.results) {
    if (!r.group.empty()) by_group[r.group].push_back(r);
  }
  std::map<std::string, LevelSummary> out;
  for (const auto& [group, results] : by_group) {
    out.emplace(group, summarize_level("instance", "instances", scores_of(results), run.dataset->classes()));
  }
  return out;
}

json summary_json(const Run& run, const std::string& status) {
  const ModelInfo& info = run.model->info();
  json level_tables = json::object();
  for (const auto& level : levels(run)) level_tables[level.name] = level_json(level);
  json groups = json::object();
  for (const auto& [group, level] : group_levels(run)) groups[group] = level_json(level);
  return {
      {"status", status},
      {"sambench", {{"version", version()}, {"git_commit", git_commit()}}},
      {"config_file", run.config.file.string()},
      {"config", to_json(run.config)},
      {"model",
       {{"path", info.path.string()}, {"sha256", info.sha256}, {"metadata", info.metadata}}},
      {"conventions", conventions(run)},
      // Numbers can differ in the last bits across devices and thread counts (BLAS reductions).
      {"runtime", {{"device", info.device}, {"threads", run.threads}}},
      {"counts",
       {{"images", static_cast<long long>(run.samples.size())},
        {"images_done", run.images_done},
        {"images_without_instances", run.images_without_instances},
        {"instances", static_cast<long long>(run.results.size())}}},
      {"levels", level_tables},
      {"groups", groups},
      {"tables", table_files(run)},
      {"predictions", saved_files(run)},
  };
}

json timings_json(const Run& run, double wall, double load) {
  double per_s = wall > 0 ? 1.0 / wall : 0.0;
  return {{"wall_s", wall},
          {"model_load_s", load},
          {"device", run.model->info().device},
          {"threads", run.threads},
          {"images", run.images_done},
          {"prompts", static_cast<long long>(run.results.size())},
          {"images_per_s", static_cast<double>(run.images_done) * per_s},
          {"prompts_per_s", static_cast<double>(run.results.size()) * per_s},
          {"stages", run.times.to_json(run.images_done)}};
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every file a run may write. Files of an earlier run in the same folder would be mistaken for
// this run's, so all are removed first.
const char* kOutputs[] = {"per_instance.csv", "per_image.csv", "per_case.csv", "per_class.csv",
                          "per_class_image.csv", "per_class_case.csv", "per_group.csv",
                          "per_instance.partial.csv", "timings.json", "summary.json"};

void clear_outputs(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : kOutputs) fs::remove(dir / name, ec);
  fs::remove_all(dir / "predictions", ec);
}

// per_class.csv for every group, with the group as first column.
std::string per_group_csv(const std::map<std::string, LevelSummary>& groups) {
  std::string out;
  for (const auto& [group, level] : groups) {
    std::istringstream lines(per_class_csv(level.classes, level.overall, level.rows));
    std::string line;
    bool header = true;
    while (std::getline(lines, line)) {
      if (header && out.empty()) out += "group," + line + "\n";
      if (!header) out += group + "," + line + "\n";
      header = false;
    }
  }
  return out;
}

void write_tables(const Run& run, const fs::path& dir) {
  write_file_atomic(dir / "per_instance.csv", per_instance_csv(run.results));
  write_file_atomic(dir / "per_image.csv", per_region_csv(run.image_results, "image"));
  if (run.volumetric) write_file_atomic(dir / "per_case.csv", per_region_csv(case_results(run), "case"));
  for (const auto& level : levels(run)) {
    std::string name = level.name == "instance" ? "per_class.csv" : "per_class_" + level.name + ".csv";
    write_file_atomic(dir / name, per_class_csv(level.classes, level.overall, level.rows));
  }
  auto groups = group_levels(run);
  if (!groups.empty()) write_file_atomic(dir / "per_group.csv", per_group_csv(groups));
}

void write_outputs(const Run& run, double wall, double load) {
  const fs::path& dir = run.config.run.output;
  write_tables(run, dir);
  write_file_atomic(dir / "timings.json", timings_json(run, wall, load).dump(2) + "\n");
  // summary.json goes last: its "complete" status promises that the other files are there.
  write_file_atomic(dir / "summary.json", summary_json(run, "complete").dump(2) + "\n");
}

void write_failure(Run& run, const std::string& error) {
  const fs::path& dir = run.config.run.output;
  try {
    write_file_atomic(dir / "per_instance.partial.csv", per_instance_csv(run.results));
    json summary = summary_json(run, "failed");
    summary["error"] = error;
    write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not save partial results: %s\n", e.what());
  }
}

void prepare_output(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir, "cannot create output folder: " + ec.message());
  clear_outputs(dir);
  // Fails now, not after hours of encoding, if the folder is not writable.
  write_file_atomic(dir / "summary.json", "{\n  \"status\": \"running\"\n}\n");
}

void log_start(const Run& run) {
  const ModelInfo& info = run.model->info();
  std::fprintf(stderr, "sambench: model %s (%s, sha256 %.12s) on %s, %d thread(s)\n",
               info.path.c_str(), info.model_type.c_str(), info.sha256.c_str(),
               info.device.c_str(), run.threads);
  std::fprintf(stderr, "sambench: %zu image(s), %zu class(es), prompt %s, mask policy %s\n",
               run.samples.size(), run.dataset->classes().size(), run.config.prompt.c_str(),
               run.config.mask_policy.c_str());
  if (info.device == "cpu" && !optimized_blas_loaded()) {
    std::fprintf(stderr, "sambench: WARNING: reference BLAS in use; the encoder will be ~20x slower "
                         "(install libopenblas0-openmp)\n");
  }
  if (info.metadata.value("random_init", false)) {
    std::fprintf(stderr, "sambench: WARNING: random-weight model; its Dice means nothing\n");
  }
}

// The loop over samples, with progress and Ctrl-C; on failure the partial results are saved.
void run_samples(Run& run, const PredictionSource& source) {
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_interrupt);
  Progress progress(static_cast<long long>(run.samples.size()), "images");
  try {
    for (const auto& ref : run.samples) {
      if (g_interrupted) throw Error("interrupted (Ctrl-C)");
      evaluate_sample(run, ref, source);
      ++run.images_done;
      progress.advance();
    }
    flush_case(run);
    progress.finish();
  } catch (const std::exception& e) {
    std::signal(SIGINT, previous);
    std::fprintf(stderr, "\n");
    write_failure(run, e.what());
    throw;
  }
  std::signal(SIGINT, previous);

}

// What a saved run recorded for each instance: the kept output, its score and its mask file.
struct SavedInstance {
  int mask_index = 0;
  float score = 0.0f;
  std::string mask_file;
};

using SavedKey = std::tuple<std::string, int, int>;  // image, class label, instance

std::map<SavedKey, SavedInstance> read_saved_instances(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file, "cannot read");
  std::stringstream text;
  text << in.rdbuf();
  auto rows = parse_csv(text.str());
  if (rows.empty()) throw Error(file, "empty table");
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < rows[0].size(); ++i) column[rows[0][i]] = i;
  for (const char* name : {"image", "class_label", "instance", "mask_index", "score", "mask_file"}) {
    if (!column.count(name)) throw Error(file, std::string("no '") + name + "' column");
  }
  std::map<SavedKey, SavedInstance> saved;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != rows[0].size()) throw Error(file, "row " + std::to_string(r + 1) + " has the wrong number of fields");
    if (row[column["mask_file"]].empty()) {
      throw Error(file, "the run saved no predictions (rerun eval with --save-predictions)");
    }
    SavedKey key{row[column["image"]], std::stoi(row[column["class_label"]]), std::stoi(row[column["instance"]])};
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

}  // namespace

RescoreResult run_rescore(const fs::path& run_dir, const fs::path& output) {
  Config config = recorded_config(run_dir);
  config.run.output = output;  // partial results of a failed rescore go there, never into the run
  auto saved = read_saved_instances(run_dir / "per_instance.csv");
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config);
  Run run(config, std::move(dataset), std::move(samples), std::nullopt, 1);
  prepare_output(output);

  run_samples(run, [&](Run&, const SampleRef& ref, const Sample& sample,
                       const std::vector<Instance>& instances, const std::vector<Prompt>&) {
    std::vector<Prediction> predictions;
    for (const auto& inst : instances) {
      auto it = saved.find({ref.id, inst.class_label, inst.index});
      if (it == saved.end()) {
        throw Error(run_dir / "per_instance.csv", "no row for " + ref.id + " class " +
                                                      std::to_string(inst.class_label) + " instance " +
                                                      std::to_string(inst.index) + ": the data changed since the run");
      }
      Prediction p;
      p.mask_index = it->second.mask_index;
      p.score = it->second.score;
      p.mask = read_mask_png(run_dir / it->second.mask_file);
      if (p.mask.size() != sample.labels.size()) {
        throw Error(run_dir / it->second.mask_file, "saved mask size differs from the ground truth's");
      }
      predictions.push_back(std::move(p));
    }
    return predictions;
  });
  write_tables(run, output);
  fs::remove(output / "summary.json");  // the placeholder: a rescore writes tables only

  RescoreResult result;
  result.output = output;
  result.instances = static_cast<long long>(run.results.size());
  for (const auto& name : table_files(run)) {
    bool same = fs::exists(run_dir / name) && read_file(run_dir / name) == read_file(output / name);
    (same ? result.identical : result.differing).push_back(name);
  }
  return result;
}

EvalResult run_eval(const Config& config) {
  validate(config);
  auto start = std::chrono::steady_clock::now();
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config);
  int threads = set_threads(config.run.threads);
  SamModel model = SamModel::load(config.model.path, config.model.device);
  double load = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Run run(config, std::move(dataset), std::move(samples), std::move(model), threads);
  log_start(run);
  prepare_output(config.run.output);

  run_samples(run, [](Run& r, const SampleRef&, const Sample& sample, const std::vector<Instance>&,
                      const std::vector<Prompt>& prompts) { return predict(r, sample, prompts); });

  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_outputs(run, wall, load);

  EvalResult result;
  result.output = config.run.output;
  result.images = run.images_done;
  result.instances = static_cast<long long>(run.results.size());
  result.levels = levels(run);
  result.wall_seconds = wall;
  return result;
}

}  // namespace sambench
