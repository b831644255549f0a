#include "sambench/eval.h"

#include <atomic>
#include <csignal>
#include <cstdio>

#include "sambench/dataset.h"
#include "sambench/error.h"
#include "sambench/instances.h"
#include "sambench/mask_policy.h"
#include "sambench/metrics.h"
#include "sambench/postprocess.h"
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

// Everything one evaluation needs, built once from the config.
struct Run {
  Run(const Config& c, std::unique_ptr<Dataset> d, std::vector<SampleRef> s, SamModel m, int t)
      : config(c),
        dataset(std::move(d)),
        samples(std::move(s)),
        model(std::move(m)),
        rule(make_prompt_rule(c.prompt)),
        policy(parse_mask_policy(c.mask_policy)),
        empty_rule(parse_empty_rule(c.empty_rule)),
        threads(t) {}

  const Config& config;
  std::unique_ptr<Dataset> dataset;
  std::vector<SampleRef> samples;
  SamModel model;
  std::unique_ptr<PromptRule> rule;
  MaskPolicy policy;
  EmptyRule empty_rule;
  int threads = 1;

  StageTimes times;
  std::vector<InstanceResult> results;
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

InstanceResult score(const Run& run, const Instance& inst, const std::string& image,
                     const cv::Mat& prediction) {
  InstanceResult r;
  r.image = image;
  r.class_label = inst.class_label;
  for (const auto& c : run.dataset->classes()) {
    if (c.label == inst.class_label) r.class_name = c.name;
  }
  r.instance = inst.index;
  r.centroid = centroid(inst.mask);
  r.centroid_inside = contains(inst.mask, r.centroid);
  r.overlap = overlap(prediction, inst.mask);
  r.dice = dice(r.overlap, run.empty_rule);
  r.iou = iou(r.overlap, run.empty_rule);
  return r;
}

// Decodes prompts [begin, end) of one image in a single call and scores the kept masks.
void decode_chunk(Run& run, const Embedding& embedding, const ResizeTransform& transform,
                  const std::string& image, const std::vector<Instance>& instances,
                  const std::vector<DecoderPrompt>& prompts, size_t begin, size_t end) {
  const ModelInfo& info = run.model.info();
  std::vector<DecoderPrompt> batch(prompts.begin() + begin, prompts.begin() + end);
  DecodeOutput out;
  {
    auto t = run.times.time("decode");
    out = run.model.decode(embedding, batch);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    int p = static_cast<int>(i);
    int kept = choose_mask(&out.iou[p * out.masks], out.masks, run.policy);
    cv::Mat mask;
    {
      // Only the kept mask is brought to full resolution.
      auto t = run.times.time("upscale");
      mask = threshold_logits(upscale_logits(out.mask_logits(p, kept), out.size, transform),
                              info.mask_threshold);
    }
    auto t = run.times.time("metrics");
    InstanceResult r = score(run, instances[begin + i], image, mask);
    r.mask_index = kept;
    r.score = out.score(p, kept);
    run.results.push_back(std::move(r));
  }
}

void evaluate_sample(Run& run, const SampleRef& ref) {
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
    for (const auto& inst : instances) prompts.push_back(run.rule->make(inst));
  }
  if (instances.empty()) {
    ++run.images_without_instances;  // nothing to prompt: skip the encoder
    return;
  }
  const ModelInfo& info = run.model.info();
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
    return run.model.encode(input);
  }();
  // A batch holds prompts with equal point counts: padding them to one length would change SAM's
  // output, since padding points take part in attention.
  const size_t batch = static_cast<size_t>(run.config.run.decode_batch);
  for (size_t begin = 0; begin < decoder_prompts.size();) {
    size_t end = begin + 1;
    while (end < decoder_prompts.size() && end - begin < batch &&
           decoder_prompts[end].size() == decoder_prompts[begin].size()) {
      ++end;
    }
    decode_chunk(run, embedding, transform, sample.id, instances, decoder_prompts, begin, end);
    begin = end;
  }
}

json conventions(const Run& run) {
  const ModelInfo& info = run.model.info();
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
      {"metrics", "Dice = 2|P∩G|/(|P|+|G|), IoU = |P∩G|/|P∪G|, per instance, at original resolution"},
      {"aggregation", "per class: mean, population std and median over instances (NaN excluded); "
                      "mean_over_classes: mean of the class means; mean_over_instances: mean "
                      "over all instances"},
  };
}

json summary_json(const Run& run, const std::string& status) {
  const ModelInfo& info = run.model.info();
  std::vector<ClassSummary> classes = summarize_classes(run.results, run.dataset->classes());
  Overall overall = summarize_overall(run.results, classes);
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
      {"classes", classes_json(classes)},
      {"overall", overall_json(overall)},
  };
}

json timings_json(const Run& run, double wall, double load) {
  double per_s = wall > 0 ? 1.0 / wall : 0.0;
  return {{"wall_s", wall},
          {"model_load_s", load},
          {"device", run.model.info().device},
          {"threads", run.threads},
          {"images", run.images_done},
          {"prompts", static_cast<long long>(run.results.size())},
          {"images_per_s", static_cast<double>(run.images_done) * per_s},
          {"prompts_per_s", static_cast<double>(run.results.size()) * per_s},
          {"stages", run.times.to_json(run.images_done)}};
}

// Files of an earlier run in the same folder would be mistaken for this run's.
void clear_outputs(const fs::path& dir) {
  for (const char* name : {"per_instance.csv", "per_class.csv", "per_instance.partial.csv",
                           "timings.json", "summary.json"}) {
    std::error_code ec;
    fs::remove(dir / name, ec);
  }
}

void write_outputs(const Run& run, double wall, double load) {
  const fs::path& dir = run.config.run.output;
  std::vector<ClassSummary> classes = summarize_classes(run.results, run.dataset->classes());
  Overall overall = summarize_overall(run.results, classes);
  write_file_atomic(dir / "per_instance.csv", per_instance_csv(run.results));
  write_file_atomic(dir / "per_class.csv", per_class_csv(classes, overall));
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
  const ModelInfo& info = run.model.info();
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

}  // namespace

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

  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_interrupt);
  Progress progress(static_cast<long long>(run.samples.size()), "images");
  try {
    for (const auto& ref : run.samples) {
      if (g_interrupted) throw Error("interrupted (Ctrl-C)");
      evaluate_sample(run, ref);
      ++run.images_done;
      progress.advance();
    }
    progress.finish();
  } catch (const std::exception& e) {
    std::signal(SIGINT, previous);
    std::fprintf(stderr, "\n");
    write_failure(run, e.what());
    throw;
  }
  std::signal(SIGINT, previous);

  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_outputs(run, wall, load);

  EvalResult result;
  result.output = config.run.output;
  result.images = run.images_done;
  result.instances = static_cast<long long>(run.results.size());
  result.classes = summarize_classes(run.results, run.dataset->classes());
  result.overall = summarize_overall(run.results, result.classes);
  result.wall_seconds = wall;
  return result;
}

}  // namespace sambench
