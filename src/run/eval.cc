// The evaluation loop: read → prompt → preprocess → encode → decode → score, per sample, for
// every prompt mode on the same embedding; and its replay from saved predictions (rescore).

#include "sambench/run/eval.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>

#include <opencv2/imgproc.hpp>
#include <sstream>
#include <tuple>

#include "run/prepare.h"
#include "run/run.h"
#include "run/run_journal.h"
#include "sambench/base/error.h"
#include "sambench/model/postprocess.h"
#include "sambench/model/preprocess.h"
#include "sambench/prompts/decoder_prompt.h"
#include "sambench/base/progress.h"

namespace sambench {

Run::Run(const Config& c, RunSettings settings, std::unique_ptr<Dataset> d, std::vector<SampleRef> s,
         std::optional<SamModel> m, int t)
    : RunSettings(std::move(settings)),
      config(c),
      dataset(std::move(d)),
      samples(std::move(s)),
      model(std::move(m)),
      threads(t),
      surface{c.metrics.surface, c.metrics.nsd_tolerance_mm},
      case_surfaces(surface, empty_rule),
      metrics(std::make_unique<PendingMetrics>(static_cast<size_t>(std::max(0, c.run.metric_workers)))) {
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
  if (config.run.limit > 0 && samples.size() > static_cast<size_t>(config.run.limit)) {
    samples.resize(config.run.limit);
  }
  return samples;
}

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted = true; }

const PreparedSample* g_prepared = nullptr;  // the sample being evaluated: the encoder's input

// An image as the decoder needs it.
struct Encoded {
  ResizeTransform transform;
  Embedding embedding;
};

// From the embedding cache when it holds the image (checked while preparing), else encoded from
// the prepared input and stored.
Encoded encode(Run& run, const PreparedSample& prepared) {
  if (!prepared.cached_embedding.empty()) {
    auto t = run.times.time("cache");
    return {prepared.transform, run.model->embedding_from_values(prepared.cached_embedding)};
  }
  Encoded encoded{prepared.transform, [&] {
                    auto t = run.times.time("encode");
                    return run.model->encode(prepared.input);
                  }()};
  if (run.embedding_cache) {
    auto t = run.times.time("cache");
    run.embedding_cache->store(prepared.cache_key, embedding_values(encoded.embedding));
  }
  return encoded;
}

// The kept predictions of one mode, one list per mask policy ([policy][prompt]).
using PolicyPredictions = std::vector<std::vector<Prediction>>;

// Iterative modes feed the kept mask's low-res logits into the next round.
bool keep_logits(const Run& run) {
  return std::any_of(run.modes.begin(), run.modes.end(), [](const Mode& m) { return m.rounds > 0; });
}

// The oracle's choice needs each multimask output at full resolution against the truth.
int oracle_choice(const DecodeOutput& decoded, int p, const ResizeTransform& transform,
                  const cv::Mat& truth, float threshold, EmptyRule rule) {
  std::vector<const float*> outputs;
  for (int k = 1; k < decoded.masks; ++k) outputs.push_back(decoded.mask_logits(p, k));
  std::vector<cv::Mat> logits = upscale_logits(outputs, decoded.size, transform);
  std::vector<float> ious(decoded.masks, -1.0f);
  for (int k = 1; k < decoded.masks; ++k) {
    ious[k] = static_cast<float>(iou(overlap(threshold_logits(logits[k - 1], threshold), truth), rule));
  }
  return choose_mask(ious.data(), decoded.masks, MaskPolicy::kOracle);
}

// The output a policy keeps for prompt p, still at low resolution (upscale_kept finishes it).
Prediction choose(const Run& run, const DecodeOutput& decoded, int p, MaskPolicy policy,
                  const ResizeTransform& transform, const Instance& instance) {
  Prediction pred;
  pred.mask_index = policy == MaskPolicy::kOracle
                        ? oracle_choice(decoded, p, transform, instance.mask, run.model->info().mask_threshold,
                                        run.empty_rule)
                        : choose_mask(&decoded.iou[p * decoded.masks], decoded.masks, policy);
  pred.score = decoded.score(p, pred.mask_index);
  const float* logits = decoded.mask_logits(p, pred.mask_index);
  pred.logits.assign(logits, logits + decoded.size * decoded.size);
  pred.logits_size = decoded.size;
  return pred;
}

// Only the kept masks reach full resolution, in the calls SamPredictor would make: the multimask
// outputs of the image together, the single-mask output alone. The low-res logits are dropped
// unless they are saved or feed an iterative round.
void upscale_kept(Run& run, const ResizeTransform& transform, PolicyPredictions& predictions) {
  auto t = run.times.time("upscale");
  const float threshold = run.model->info().mask_threshold;
  const bool keep = run.config.run.save_logits || keep_logits(run);
  for (size_t k = 0; k < predictions.size(); ++k) {
    std::vector<Prediction>& kept = predictions[k];
    std::vector<cv::Mat> logits;
    if (run.policies[k] == MaskPolicy::kSingle) {
      for (const auto& p : kept) logits.push_back(upscale_logits(p.logits.data(), p.logits_size, transform));
    } else {
      std::vector<const float*> maps;
      for (const auto& p : kept) maps.push_back(p.logits.data());
      if (!kept.empty()) logits = upscale_logits(maps, kept.front().logits_size, transform);
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      kept[i].mask = threshold_logits(logits[i], threshold);
      if (!keep) {
        kept[i].logits = {};
        kept[i].logits_size = 0;
      }
    }
  }
}

// Decodes prompts [begin, end) of one image in a single call, choosing one output per policy.
void decode_chunk(Run& run, const Encoded& encoded, const std::vector<DecoderPrompt>& prompts,
                  const std::vector<Instance>& instances, const std::vector<Prediction>* previous,
                  size_t begin, size_t end, PolicyPredictions& out) {
  std::vector<DecoderPrompt> batch(prompts.begin() + begin, prompts.begin() + end);
  std::vector<float> mask_input;
  for (size_t i = begin; previous && i < end; ++i) {
    const auto& logits = (*previous)[i].logits;
    mask_input.insert(mask_input.end(), logits.begin(), logits.end());
  }
  DecodeOutput decoded;
  {
    auto t = run.times.time("decode");
    decoded = run.model->decode(encoded.embedding, batch, mask_input);
  }
  auto t = run.times.time("upscale");  // the oracle's full-resolution comparisons
  out.resize(run.policies.size());
  for (size_t k = 0; k < run.policies.size(); ++k) {
    for (int p = 0; p < decoded.batch; ++p) {
      out[k].push_back(choose(run, decoded, p, run.policies[k], encoded.transform, instances[begin + p]));
    }
  }
}

// One prediction per prompt; `previous` (iterative rounds) feeds each prompt's last low-res
// logits back as SAM's mask input. A decoder batch holds prompts with equal point counts:
// padding them to one length would change SAM's output, since padding points take part in
// attention.
PolicyPredictions decode(Run& run, const Encoded& encoded, const std::vector<Prompt>& prompts,
                         const std::vector<Instance>& instances,
                         const std::vector<Prediction>* previous = nullptr) {
  std::vector<DecoderPrompt> decoder_prompts;
  for (const auto& p : prompts) decoder_prompts.push_back(to_decoder_prompt(p, encoded.transform));
  PolicyPredictions predictions;
  const size_t batch = static_cast<size_t>(run.config.run.decode_batch);
  for (size_t begin = 0; begin < decoder_prompts.size();) {
    size_t end = begin + 1;
    while (end < decoder_prompts.size() && end - begin < batch &&
           decoder_prompts[end].size() == decoder_prompts[begin].size()) {
      ++end;
    }
    decode_chunk(run, encoded, decoder_prompts, instances, previous, begin, end, predictions);
    begin = end;
  }
  upscale_kept(run, encoded.transform, predictions);
  return predictions;
}

// The prompts of one mode for an image's instances: derived, or read from the replayed file.
std::vector<Prompt> make_prompts(Run& run, const Mode& mode, const SampleRef& ref, const Sample& sample,
                                 const std::vector<Instance>& instances) {
  const std::string name = mode.result_name(1);
  auto t = run.times.time("prompt");
  const PromptContext context{ref.id, sample.image.size(), static_cast<uint64_t>(run.config.prompt_seed)};
  std::vector<Prompt> prompts;
  for (const auto& inst : instances) {
    PromptKey key{ref.id, inst.class_label, inst.index, name};
    if (run.replay) {
      auto it = run.replay->find(key);
      if (it == run.replay->end()) {
        throw Error(run.config.replay_prompts, "no prompt for " + ref.id + " class " +
                                                   std::to_string(inst.class_label) + " instance " +
                                                   std::to_string(inst.index) + " mode " + name);
      }
      prompts.push_back(it->second);
    } else {
      prompts.push_back(mode.rule->make(inst, context));
    }
    run.prompt_lines.push_back(prompt_line(key, run.class_names.at(inst.class_label), prompts.back()));
  }
  return prompts;
}

// What a metric job reads, owned by the job: the caller goes on while a worker computes it.
PendingMetrics::Compute scores_of(const Run& run, cv::Mat prediction, cv::Mat truth, cv::Point2d spacing) {
  return [prediction, truth, spacing, surface = run.surface, rule = run.empty_rule] {
    Scored s;
    s.overlap = overlap(prediction, truth);
    s.values = all_metrics(s.overlap, prediction, truth, spacing, surface, rule);
    return s;
  };
}

// Instance rows, then one region row per class present in the image: the union of the class's
// kept masks against the whole class mask (components below min_area included, as misses). The
// rows are added now; their scores follow from the metric workers (settle).
void score(Run& run, const std::string& mode, const SampleRef& ref, const Sample& sample,
           const std::vector<Instance>& instances, const std::vector<Prediction>& predictions) {
  // Submitted after the rows are made: without workers a job runs inside submit, and its time
  // belongs to "metrics", not to the rows' bookkeeping ("score").
  std::vector<std::tuple<PendingMetrics::Table, size_t, PendingMetrics::Compute>> jobs;
  auto t = std::make_optional(run.times.time("score"));
  const std::string& case_id = ref.case_id.empty() ? ref.id : ref.case_id;
  std::map<int, cv::Mat> unions;
  for (size_t i = 0; i < instances.size(); ++i) {
    const Instance& inst = instances[i];
    const Prediction& pred = predictions[i];
    InstanceResult r;
    r.image = ref.id;
    r.case_id = case_id;
    r.group = ref.group;
    r.prompt = mode;
    r.class_label = inst.class_label;
    r.class_name = run.class_names.at(inst.class_label);
    r.instance = inst.index;
    r.centroid = centroid(inst.mask);
    r.centroid_inside = contains(inst.mask, r.centroid);
    r.mask_index = pred.mask_index;
    r.score = pred.score;
    if (run.config.run.save_predictions) r.mask_file = instance_mask_path(ref.id, r.class_name, r.instance);
    run.results.push_back(std::move(r));
    jobs.emplace_back(PendingMetrics::Table::kInstances, run.results.size() - 1,
                      scores_of(run, pred.mask, inst.mask, sample.spacing));

    cv::Mat& u = unions[inst.class_label];
    if (u.empty()) u = cv::Mat::zeros(pred.mask.size(), CV_8U);
    u |= pred.mask;
  }
  for (const auto& [label, predicted] : unions) {
    RegionResult r;
    r.unit = ref.id;
    r.group = ref.group;
    r.prompt = mode;
    r.class_label = label;
    r.class_name = run.class_names.at(label);
    cv::Mat truth = sample.labels == label;
    run.image_results.push_back(std::move(r));
    jobs.emplace_back(PendingMetrics::Table::kImages, run.image_results.size() - 1,
                      scores_of(run, predicted, truth, sample.spacing));
    if (sample.volume) {
      const VolumeGeometry grid = rai_geometry(*sample.volume);
      run.case_surfaces.add(mode, case_id, label, ref.slice, predicted, truth, grid.size, grid.spacing);
    }
  }
  run.case_of[ref.id] = case_id;
  t.reset();
  for (auto& [table, row, compute] : jobs) run.metrics->submit(table, row, std::move(compute));
  settle(run, /*wait=*/false);
}

// Adds each instance's corrective click to its prompt, and logs the prompts of this round.
void add_clicks(Run& run, const std::string& name, const SampleRef& ref, const std::vector<Instance>& instances,
                const std::vector<Prediction>& predictions, std::vector<Prompt>& prompts) {
  auto t = run.times.time("prompt");
  for (size_t i = 0; i < instances.size(); ++i) {
    if (auto click = corrective_click(predictions[i].mask, instances[i].mask)) {
      prompts[i].points.push_back(click->point);
      prompts[i].labels.push_back(click->label);
    }
    PromptKey key{ref.id, instances[i].class_label, instances[i].index, name};
    run.prompt_lines.push_back(prompt_line(key, run.class_names.at(instances[i].class_label), prompts[i]));
  }
}

// The next round of an iterative mode on the image's cached embedding.
PolicyPredictions refine(Run& run, const SampleRef& ref, const Sample& sample,
                         const std::vector<Instance>& instances, const std::vector<Prompt>& prompts,
                         const std::vector<Prediction>& previous);

// Outside a field of view nothing is predicted: the ground truth there was cleared by the adapter,
// and a mask spilling over the FOV border must not count as false positives.
void cut_to_roi(PolicyPredictions& predictions, const cv::Mat& roi) {
  if (roi.empty()) return;
  for (auto& kept : predictions) {
    for (auto& p : kept) p.mask &= roi;
  }
}

// Where the kept masks come from: SAM (encoding the image once for all modes), or the files of
// a saved run (sambench rescore).
using PredictionSource = std::function<PolicyPredictions(
    const Mode&, const SampleRef&, const Sample&, const std::vector<Instance>&, const std::vector<Prompt>&)>;

void evaluate_sample(Run& run, const PreparedSample& prepared, const PredictionSource& source) {
  const SampleRef& ref = prepared.ref;
  const Sample& sample = prepared.sample;
  const std::vector<Instance>& instances = prepared.instances;
  run.times.add(prepared.times);
  g_prepared = &prepared;
  if (instances.empty()) {
    ++run.images_without_instances;  // nothing to prompt: skip the encoder
    return;
  }
  for (const Mode& mode : run.modes) {
    std::vector<Prompt> prompts;
    if (!mode.everything) prompts = make_prompts(run, mode, ref, sample, instances);
    PolicyPredictions predictions = source(mode, ref, sample, instances, prompts);
    cut_to_roi(predictions, sample.roi);
    for (size_t k = 0; k < predictions.size(); ++k) {
      score(run, run.set_name(mode, 1, k), ref, sample, instances, predictions[k]);
    }
    // Iterative modes have one policy (checked by validate): its kept masks draw the clicks.
    for (int round = 2; round <= mode.rounds; ++round) {
      add_clicks(run, mode.result_name(round), ref, instances, predictions[0], prompts);
      predictions = refine(run, ref, sample, instances, prompts, predictions[0]);
      cut_to_roi(predictions, sample.roi);
      score(run, run.set_name(mode, round, 0), ref, sample, instances, predictions[0]);
    }
    // A rescore (no model) reads these files; it must not rewrite them.
    if (run.config.run.save_predictions && run.model) {
      fatal_on_error([&] { save_predictions(run, ref, sample, instances, predictions[0]); });
    }
  }
}

// One case (or 2D image), whole: journaled when done; under --on-error skip, a failing one is
// skipped whole.
// The unit's samples come from `prefetch`, in order; a skipped unit's remaining samples are
// taken and dropped, so that the next unit starts at its own first sample.
void evaluate_unit(Run& run, const Unit& unit, Prefetcher<PreparedSample>& prefetch, const PredictionSource& source,
                   Progress& progress) {
  const UnitMark mark = mark_unit(run);
  size_t taken = 0;
  try {
    for (; taken < unit.samples.size();) {
      if (g_interrupted) throw FatalError("interrupted (Ctrl-C)");
      PreparedSample prepared = [&] {
        auto t = run.times.time("wait");  // for the sample to be read and preprocessed
        ++taken;
        return prefetch.next();
      }();
      evaluate_sample(run, prepared, source);
      ++run.images_done;
      progress.advance();
    }
  } catch (const FatalError&) {
    throw;
  } catch (const Error& e) {  // bad input; a model or library failure stops the run
    if (run.on_error != OnError::kSkip) throw;
    for (; taken < unit.samples.size(); ++taken) {
      try {
        prefetch.next();
      } catch (const Error&) {  // the same unit's other bad samples: skipped with it
      }
    }
    skip_unit(run, unit, mark, e.what());
    progress.advance(static_cast<long long>(unit.samples.size()) - (run.images_done - mark.images_done));
    return;
  }
  finish_unit(run, unit, mark);
}

// The loop over units, with progress and Ctrl-C; on failure the partial results are saved.
void run_samples(Run& run, const PredictionSource& source) {
  g_interrupted = false;
  auto previous = std::signal(SIGINT, on_interrupt);
  Progress progress(static_cast<long long>(run.samples.size()), "images");
  try {
    // Units the journal holds are restored at once; the others are read ahead in order.
    std::vector<const Unit*> pending;
    std::vector<SampleRef> pending_samples;
    for (const auto& unit : run.units) {
      if (restore_unit(run, unit)) {
        progress.advance(static_cast<long long>(unit.samples.size()));
        continue;
      }
      pending.push_back(&unit);
      pending_samples.insert(pending_samples.end(), unit.samples.begin(), unit.samples.end());
    }
    auto prefetch = prefetch_samples(run, pending_samples);
    for (const Unit* unit : pending) evaluate_unit(run, *unit, *prefetch, source, progress);
    settle(run, /*wait=*/true);
    progress.finish();
  } catch (const std::exception& e) {
    std::signal(SIGINT, previous);
    std::fprintf(stderr, "\n");
    try {
      settle(run, /*wait=*/true);  // what the workers computed is kept, and its units journaled
    } catch (const std::exception&) {  // a failing metric: its unit stays unjournaled
      drop_unsettled(run);
    }
    write_failure(run, e.what());
    fail_run(run, e.what());
    throw;
  }
  std::signal(SIGINT, previous);
}

// The current image's embedding, computed on the first mode that needs it and reused by the
// others, by iterative rounds, and by the next sample when that one has the same encoder input:
// adapters list an image once per target when targets overlap (a fundus image as its disc, then
// its cup), and encoding it again would give the same embedding at the encoder's full cost.
struct EmbeddingCache {
  std::string sample;
  std::filesystem::path file;
  int slice = -1;
  std::vector<float> input;  // what was encoded (empty on an embedding-cache hit)
  std::optional<Encoded> encoded;
};

EmbeddingCache g_cache;  // one at a time: the loop is sequential

// The same file and slice after the same preprocessing; the inputs are compared too, so an
// adapter that draws two different images from one file never shares an embedding.
bool same_input(const EmbeddingCache& cache, const PreparedSample& prepared) {
  const SampleRef& ref = prepared.ref;
  return cache.file == ref.image && cache.slice == ref.slice && !prepared.input.empty() &&
         cache.input == prepared.input && cache.encoded->transform.orig_h == prepared.transform.orig_h &&
         cache.encoded->transform.orig_w == prepared.transform.orig_w;
}

const Encoded& encoded_image(Run& run, const SampleRef& ref, const Sample&) {
  if (g_cache.encoded && g_cache.sample == ref.id) return *g_cache.encoded;
  if (g_cache.encoded && same_input(g_cache, *g_prepared)) {
    ++run.encodes_reused;
  } else {
    g_cache.encoded.reset();
    g_cache.encoded = encode(run, *g_prepared);
    g_cache.file = ref.image;
    g_cache.slice = ref.slice;
    g_cache.input = g_prepared->input;
  }
  g_cache.sample = ref.id;
  return *g_cache.encoded;
}

PolicyPredictions refine(Run& run, const SampleRef& ref, const Sample& sample,
                         const std::vector<Instance>& instances, const std::vector<Prompt>& prompts,
                         const std::vector<Prediction>& previous) {
  return decode(run, encoded_image(run, ref, sample), prompts, instances, &previous);
}

// Everything mode: SAM segments the whole image from a grid of points; each ground-truth
// instance is then scored against the generated mask that overlaps it best (an empty mask when
// none does).
std::vector<Prediction> generate(Run& run, const AutomaticOptions& options, const Encoded& encoded,
                                 const std::vector<Instance>& instances) {
  std::vector<GeneratedMask> masks;
  {
    auto t = run.times.time("decode");
    masks = generate_masks(*run.model, encoded.embedding, encoded.transform, options);
  }
  auto t = run.times.time("metrics");
  std::vector<Prediction> predictions;
  std::vector<int> match = match_instances(instances, masks);
  for (size_t i = 0; i < instances.size(); ++i) {
    Prediction p;
    if (match[i] < 0) {
      p.mask = cv::Mat::zeros(instances[i].mask.size(), CV_8U);
    } else {
      p.mask = masks[match[i]].mask;
      p.mask_index = masks[match[i]].mask_index;
      p.score = masks[match[i]].predicted_iou;
    }
    predictions.push_back(std::move(p));
  }
  return predictions;
}

PredictionSource sam_source(Run& run) {
  g_cache = {};
  return [&run](const Mode& mode, const SampleRef& ref, const Sample& sample,
                const std::vector<Instance>& instances, const std::vector<Prompt>& prompts) {
    const Encoded& encoded = encoded_image(run, ref, sample);
    if (mode.everything) return PolicyPredictions{generate(run, *mode.everything, encoded, instances)};
    return decode(run, encoded, prompts, instances);
  };
}

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

}  // namespace

RescoreResult run_rescore(const fs::path& run_dir, const fs::path& output) {
  Config config = recorded_config(run_dir);
  config.run.output = output;  // partial results of a failed rescore go there, never into the run
  config.run.metric_workers = resolve_metric_workers(-1, /*model_threads=*/0);
  RunSettings settings = settings_of(config);
  auto saved = read_saved_instances(run_dir / "per_instance.csv");
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  auto samples = list_samples(*dataset, config);
  Run run(config, std::move(settings), std::move(dataset), std::move(samples), std::nullopt, 1);
  prepare_output(output);

  run_samples(run, [&](const Mode& mode, const SampleRef& ref, const Sample& sample,
                       const std::vector<Instance>& instances, const std::vector<Prompt>&) {
    std::vector<Prediction> predictions;
    for (const auto& inst : instances) {
      auto it = saved.find({ref.id, inst.class_label, inst.index, mode.name});
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
    return PolicyPredictions{predictions};
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

EvalResult run_eval(const Config& requested, const EvalOptions& options) {
  validate(requested);
  RunSettings settings = settings_of(requested);
  Config config = requested;
  auto start = std::chrono::steady_clock::now();
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

  Run run(config, std::move(settings), std::move(dataset), std::move(samples), std::move(model), threads);
  run.units = std::move(units);
  run.listed_units = static_cast<long long>(listed.size());
  run.shard = options.shard;
  run.on_error = options.on_error;
  if (!config.run.embedding_cache.empty()) {
    const ModelInfo& info = run.model->info();
    run.embedding_cache = std::make_unique<EmbeddingDiskCache>(config.run.embedding_cache, info.sha256, 256,
                                                               info.embedding_size, info.precision);
  }
  log_start(run);
  open_run(run, options.resume);
  run_samples(run, sam_source(run));
  g_cache = {};  // the embedding is not needed any more

  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_outputs(run, wall, load);
  complete_run(run);

  EvalResult result;
  result.output = config.run.output;
  result.images = run.images_done;
  result.instances = static_cast<long long>(run.results.size() / run.result_sets.size());
  result.modes = mode_levels(run);
  result.levels = result.modes.front().second;
  result.wall_seconds = wall;
  return result;
}

}  // namespace sambench
