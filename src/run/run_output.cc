// What a run writes: the tables, summary.json, timings.json, prompts.jsonl and the saved
// predictions; and what it writes when it fails.

#include "run/run_output.h"

#include <algorithm>
#include <cstdio>

#include "run/run_folder.h"
#include "run/run_journal.h"
#include "sambench/base/manifest.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/data/image_io.h"
#include "sambench/model/model_provenance.h"
#include "sambench/report/run_report.h"
#include "sambench/report/run_tables.h"
#include "sambench/base/version.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string surface_convention(const RunSetup& setup) {
  if (!setup.surface.enabled) return "off (metrics.surface: false): nsd and hd95 are NaN";
  return "surface = foreground pixels with a background face neighbour (outside the image is "
         "background); NSD at tolerance " + format_number(setup.surface.tolerance_mm, 3) +
         " mm = fraction of both surfaces' pixels within the tolerance of the other surface; HD95 = "
         "max of the two directed 95th percentiles of surface distances (mm, linear "
         "interpolation); distances use the sample's pixel spacing (2D images without one: 1 pixel "
         "= 1 mm); instance and image rows in 2D, case rows in 3D on the stacked slices with the "
         "volume's spacing (ground truth nothing prompted included, its prediction empty); both masks empty: NaN (empty_rule nan) or NSD 1, HD95 0 "
         "(empty_rule one); exactly one empty: NSD 0, HD95 = the image's (volume's) diagonal in mm";
}

std::string bootstrap_convention(const Config& config) {
  if (config.metrics.bootstrap <= 0) return "none (metrics.bootstrap: 0)";
  return "95% percentile bootstrap of each mean: " + std::to_string(config.metrics.bootstrap) +
         " resamples of the cases (volumes; images for 2D data) with replacement, all rows of a "
         "drawn case together; seed " + std::to_string(config.metrics.bootstrap_seed) +
         " (std::mt19937_64)";
}

std::string precision_convention(const ModelInfo& info) {
  if (info.precision == "fp32") return "fp32: the whole model in float32";
  const std::string dtype = info.precision == "bf16" ? "bfloat16" : "float16";
  const bool fp32_norms = info.metadata.value("encoder_layer_norms", "") == "float32";
  return info.precision + ": the image encoder's weights and activations in " + dtype + ", its layer norms in " +
         (fp32_norms ? "float32" : dtype + " (an export older than float32 layer norms)") +
         ", its embedding cast to float32; prompt encoder and mask decoder in float32";
}

// The model's preprocessing in words, from its profile (SAM's wording unchanged).
std::string preprocess_convention(const ModelProfile& p) {
  const std::string size = std::to_string(p.input_size);
  std::string out = p.resize == ResizeRule::kSquare
                        ? "square: both sides resized to " + size + " (aspect ignored)"
                        : "SamPredictor: longest side resized to " + size;
  out += p.resize_filter == ResizeFilter::kSkimageCubicAaUint8
             ? " with scikit-image's resize (order 3, anti-aliased, range preserved), cast to uint8"
         : p.resize_filter == ResizeFilter::kTorchBilinearAa ? " with antialiased bilinear resampling of floats"
                                                            : " with PIL-equivalent bilinear (antialiased) resampling";
  out += p.normalization == PixelScaling::kMinMax ? ", min-max scaled to [0, 1] over the whole image"
                                                   : ", normalized with the model's pixel mean/std";
  if (p.resize == ResizeRule::kLongestSide) out += ", zero-padded bottom/right";
  return out;
}

// How logits become masks, from the profile's upscale rule (SAM's wording unchanged).
std::string postprocess_convention(const ModelInfo& info) {
  const std::string threshold = format_number(info.mask_threshold, 3);
  switch (info.profile.upscale) {
    case UpscaleRule::kDirect:
      return "low-res logits bilinearly resized (align_corners=false) straight to the original size; mask = logit > " +
             threshold;
    case UpscaleRule::kDirectSigmoid:
      return "sigmoid of the low-res logits bilinearly resized (align_corners=false) straight to the original size; "
             "mask where its logit > " + threshold + " (probability > 0.5 for 0)";
    case UpscaleRule::kViaInput:
      break;
  }
  return "low-res logits bilinearly upscaled (align_corners=false) to " + std::to_string(info.image_size) +
         ", cropped, resized to the original size; mask = logit > " + threshold;
}

json conventions(const RunSetup& setup) {
  const ModelInfo& info = setup.model_info();
  const InstanceConfig& ic = setup.config.instances;
  json prompts = json::array();
  for (const auto& set : setup.settings.result_sets) prompts.push_back(set.description);
  return {
      {"instances", ic.whole_class
                        ? "whole_class: each class's whole mask is one instance"
                        : "8-connected components of each class mask with at least " +
                              std::to_string(ic.min_area) + " pixels"},
      {"prompts", prompts},
      {"prompt_seed", setup.config.prompt_seed},
      {"prompt_source", setup.replay ? "replayed from " + setup.config.replay_prompts.string()
                                   : std::string("derived from the ground truth by the modes above")},
      {"mask_policies", [&] {
         json out = json::array();
         for (MaskPolicy p : setup.settings.policies) out.push_back(describe(p));
         return out;
       }()},
      {"empty_rule", describe(setup.settings.empty_rule)},
      {"field_of_view", setup.dataset->region_of_interest().empty() ? "none: whole images are scored"
                                                                    : setup.dataset->region_of_interest()},
      {"preprocess", preprocess_convention(info.profile)},
      {"encoder_precision", precision_convention(info)},
      {"postprocess", postprocess_convention(info)},
      {"metrics", "Dice = 2|P∩G|/(|P|+|G|), IoU = |P∩G|/|P∪G|, precision = |P∩G|/|P|, recall = "
                  "|P∩G|/|G|, at original resolution; an empty prediction for a non-empty truth "
                  "scores 0 in all four"},
      {"surface_metrics", surface_convention(setup)},
      {"confidence_intervals", bootstrap_convention(setup.config)},
      {"levels", "instance: each prompted instance against its own mask; image: per class, the "
                 "union of the class's kept masks against the whole class mask (instances below "
                 "min_area count as missed); case (volumes): the image rows' pixel counts summed "
                 "over the case's slices, the ground truth that nothing prompted (slices or classes "
                 "without an object of min_area pixels) counted as missed, i.e. the 3D Dice on the "
                 "whole volume"},
      {"aggregation", "per prompt mode and class: mean, population std and median over the "
                      "level's rows (NaN excluded); mean_over_classes (nnU-Net's foreground_mean): "
                      "mean of the class means; mean_over_<rows>: mean over all rows"},
  };
}

// nnU-Net's per-case keys for one result set: cases for volumes, images for 2D data.
json unit_summary(const RunTables& tables, const std::string& set, const std::vector<LevelSummary>& levels) {
  if (tables.volumetric) return nnunet_json(of_set(tables.cases, set), levels.back(), "case");
  return nnunet_json(of_set(tables.images, set), levels[1], "image");
}

// The files the dataset's listing passed over (dataset.h).
json skipped_files_json(const std::vector<SkippedFile>& files) {
  json out = json::array();
  for (const auto& file : files) out.push_back({{"file", file.path.lexically_normal().string()}, {"reason", file.reason}});
  return out;
}

// The model as a run used it: its file, metadata and the profile its pipeline followed, with the
// fields a config overrode (only when there are any).
json model_summary(const ModelInfo& info) {
  json out = {{"path", info.path.string()},
              {"sha256", info.sha256},
              {"precision", info.precision},
              {"metadata", info.metadata},
              {"profile", to_json(info.profile)}};
  if (!info.profile_overrides.empty()) out["profile_overrides"] = info.profile_overrides;
  return out;
}

json summary_json(const RunSetup& setup, const RunResults& results, const RunSummary& summary,
                  const std::string& status) {
  const ModelInfo& info = setup.model_info();
  const EvalOutput& out = results.output;
  json prompts = json::array();
  for (size_t m = 0; m < setup.settings.result_sets.size(); ++m) {
    json tables = json::object(), groups = json::object();
    for (const auto& level : summary.levels[m].second) tables[level.name] = level_json(level);
    for (const auto& [group, level] : summary.groups[m].second) groups[group] = level_json(level);
    json block = {{"name", setup.settings.result_sets[m].name},
                  {"description", setup.settings.result_sets[m].description},
                  {"levels", tables},
                  {"groups", groups}};
    block.update(unit_summary(summary.tables, setup.settings.result_sets[m].name, summary.levels[m].second));
    prompts.push_back(block);
  }
  std::vector<std::string> saved = out.saved_files;
  std::sort(saved.begin(), saved.end());  // independent of the order of writing
  json summary_file = {
      {"status", status},
      {"sambench", {{"version", version()}, {"git_commit", git_commit()}}},
      {"config_file", setup.config.file.string()},
      {"config", to_json(setup.config)},
      {"model", model_summary(info)},
      {"conventions", conventions(setup)},
      // Numbers can differ in the last bits across devices and thread counts (BLAS reductions).
      {"runtime", {{"device", info.device}, {"threads", setup.threads}}},
      {"counts",
       {{"images", static_cast<long long>(setup.samples.size())},
        {"images_done", out.images_done},
        {"images_without_instances", out.images_without_instances},
        {"instances", static_cast<long long>(out.instance_rows.size() / std::max<size_t>(1, setup.settings.result_sets.size()))},
        {"prompts", static_cast<long long>(out.prompt_lines.size())},
        {"images_skipped", skipped_images(results)}}},
      {"skipped", skipped_json(results)},
      {"prompts", prompts},
      // nnU-Net's keys, for the first prompt mode (each mode's block in "prompts" has its own).
      {"metric_per_case", prompts[0].value("metric_per_case", json::array())},
      {"mean", prompts[0].value("mean", json::object())},
      {"foreground_mean", prompts[0].value("foreground_mean", json::object())},
      {"tables", table_files(summary.tables)},
      {"predictions", saved},
  };
  // Only when there are any, so that the summary of a clean dataset keeps its bytes.
  if (!setup.dataset->skipped_files().empty()) {
    summary_file["skipped_files"] = skipped_files_json(setup.dataset->skipped_files());
  }
  // Embeddings read from a cache are as trustworthy as its writers: say that one was used and how
  // much it supplied (absent without a cache, so such runs' files do not change).
  if (setup.embedding_disk_cache) summary_file["embedding_cache"] = setup.embedding_disk_cache->stats();
  return summary_file;
}

std::string prompt_log(const EvalOutput& output) {
  std::string out;
  for (const auto& line : output.prompt_lines) out += line + "\n";
  return out;
}

// Where the open case's label volume goes.
std::string case_volume_path(const std::string& case_id) { return "predictions/" + case_id + ".nii.gz"; }

// per_case.csv's rows: the image rows (and the ground truth nothing prompted) summed per case,
// with the case's 3D surface metrics.
std::vector<RegionResult> case_rows(const RunSetup& setup, const RunResults& results) {
  std::vector<RegionResult> rows = results.output.image_rows;
  rows.insert(rows.end(), results.output.unprompted_truth.begin(), results.output.unprompted_truth.end());
  std::vector<RegionResult> cases = combine_cases(rows, results.output.case_of, setup.settings.empty_rule);
  for (auto& c : cases) {
    SurfaceScores s = results.case_surfaces.get(c.result_set, c.unit, c.class_label);
    c.nsd = s.nsd;
    c.hd95 = s.hd95;
  }
  return cases;
}

RunTables tables_of(const RunSetup& setup, const RunResults& results) {
  RunTables t;
  t.dir = setup.config.run.output;
  t.classes = setup.dataset->classes();
  for (const auto& set : setup.settings.result_sets) t.sets.emplace_back(set.name, set.description);
  t.instances = results.output.instance_rows;
  t.images = results.output.image_rows;
  if (setup.volumetric) t.cases = case_rows(setup, results);
  t.case_of = results.output.case_of;
  t.volumetric = setup.volumetric;
  return t;
}

// report.md and the figures; a failure there costs the report, never the results.
void write_run_report(const RunTables& tables, const SetLevels& levels, const json& summary) {
  try {
    RunTables with_summary = tables;
    with_summary.summary = summary;
    write_report(with_summary, levels, {});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: WARNING: report.md not written: %s\n", e.what());
  }
}

}  // namespace

RunSummary summarize(const RunSetup& setup, const RunResults& results) {
  RunSummary summary;
  summary.tables = tables_of(setup, results);
  const auto seed = static_cast<uint64_t>(setup.config.metrics.bootstrap_seed);
  summary.levels = summarize_sets(summary.tables, setup.config.metrics.bootstrap, seed);
  // Instance-level summaries per group (e.g. per fundus domain) of each mode.
  summary.groups = summarize_groups(summary.tables, setup.config.metrics.bootstrap, seed);
  return summary;
}

std::vector<std::string> table_files(const RunTables& tables) {
  std::vector<std::string> files = {"per_instance.csv", "per_image.csv", "per_class.csv",
                                    "per_class_image.csv"};
  if (tables.volumetric) {
    files.push_back("per_case.csv");
    files.push_back("per_class_case.csv");
  }
  for (const auto& r : tables.instances) {
    if (r.group.empty()) continue;
    files.push_back("per_group.csv");
    break;
  }
  return files;
}

void write_tables(const RunSummary& summary, const fs::path& dir) {
  const RunTables& tables = summary.tables;
  write_file_atomic(dir / "per_instance.csv", per_instance_csv(tables.instances));
  write_file_atomic(dir / "per_image.csv", per_region_csv(tables.images, "image"));
  if (tables.volumetric) write_file_atomic(dir / "per_case.csv", per_region_csv(tables.cases, "case"));

  write_class_tables(summary.levels, dir);
  write_group_table(summary.groups, dir);
}

json timings_json(const RunSetup& setup, const RunResults& results, const StageTimes& times,
                  long long encodes_reused, double wall, double load) {
  const EvalOutput& out = results.output;
  double per_s = wall > 0 ? 1.0 / wall : 0.0;
  return {{"wall_s", wall},
          {"model_load_s", load},
          {"device", setup.model_info().device},
          {"threads", setup.threads},
          {"images", out.images_done},
          {"prompts", static_cast<long long>(out.instance_rows.size())},
          {"images_per_s", static_cast<double>(out.images_done) * per_s},
          {"prompts_per_s", static_cast<double>(out.instance_rows.size()) * per_s},
          {"prefetch", setup.config.run.prefetch},
          {"encode_batch", setup.config.run.encode_batch},
          {"workers", setup.config.run.workers},
          {"metric_workers", setup.config.run.metric_workers},
          {"encodes_reused", encodes_reused},
          {"host_masks", times.counted("host_masks")},
          {"embedding_cache", setup.embedding_disk_cache ? setup.embedding_disk_cache->stats() : json(nullptr)},
          {"stages", times.to_json(out.images_done)}};
}

void write_outputs(const RunSetup& setup, const RunResults& results, const RunSummary& summary,
                   const json& timings) {
  const fs::path& dir = setup.config.run.output;
  write_tables(summary, dir);
  write_file_atomic(dir / "prompts.jsonl", prompt_log(results.output));
  write_file_atomic(dir / "timings.json", timings.dump(2) + "\n");
  json summary_file = summary_json(setup, results, summary, "complete");
  write_run_report(summary.tables, summary.levels, summary_file);  // lists its figures in the manifest
  std::vector<std::string> files = table_files(summary.tables);
  files.insert(files.end(), {"prompts.jsonl", "timings.json", "summary.json", kJournalFile, kStateFile});
  files.insert(files.end(), results.output.saved_files.begin(), results.output.saved_files.end());
  update_manifest(dir, files);
  // summary.json goes last: its "complete" status promises that the other files are there.
  write_file_atomic(dir / "summary.json", summary_file.dump(2) + "\n");
}

namespace {

// The masks of the units the journal does not hold (their metrics pending, or a job that
// failed while writing) are listed too, so that a later run in the folder removes them.
void list_saved_files(const RunSetup& setup, const RunResults& results) {
  if (results.output.saved_files.empty()) return;
  try {
    update_manifest(setup.config.run.output, results.output.saved_files);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not list the saved masks in the manifest: %s\n", e.what());
  }
}

}  // namespace

void write_failure(const RunSetup& setup, const RunResults& results, const std::string& error,
                   const std::string& status, bool state_recorded) {
  const fs::path& dir = setup.config.run.output;
  try {
    write_file_atomic(dir / "per_instance.partial.csv", per_instance_csv(results.output.instance_rows));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not save partial results: %s\n", e.what());
  }
  list_saved_files(setup, results);
  write_failed_summary(setup, results, error, status, state_recorded);
}

void write_failed_summary(const RunSetup& setup, const RunResults& results, const std::string& error,
                          const std::string& status, bool state_recorded) {
  const fs::path file = setup.config.run.output / "summary.json";
  std::error_code ec;
  // summary.json must never contradict run_state.json. Without a model, loaded or recorded (a
  // rescore), or without the state written, the "running" placeholder goes: no summary says
  // nothing wrong. A merge has the shards' recorded model.
  if ((!setup.model && !setup.recorded_model) || !state_recorded) {
    fs::remove(file, ec);
    return;
  }
  try {
    json summary = summary_json(setup, results, summarize(setup, results), status);
    summary["error"] = error;
    write_file_atomic(file, summary.dump(2) + "\n");
    return;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not write the failed run's summary: %s\n", e.what());
  }
  try {  // a full disk may still take a few bytes
    write_file_atomic(file, json{{"status", status}, {"error", error}}.dump(2) + "\n");
  } catch (const std::exception&) {
    fs::remove(file, ec);
  }
}

void prepare_output(const fs::path& dir, bool resume) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir, "cannot create output folder: " + ec.message());
  remove_earlier_run(dir, resume);
  // Fails now, not after hours of encoding, if the folder is not writable.
  write_file_atomic(dir / "summary.json", "{\n  \"status\": \"running\"\n}\n");
}

namespace {

// A model that is not a sambench export of an official checkpoint gets a reminder of what a .pt
// is. It is only a hint either way: a hostile model can carry an official hash in its metadata.
void log_provenance(const ModelInfo& info) {
  const std::string doubt = provenance_doubt(info);
  if (doubt.empty()) return;
  std::fprintf(stderr,
               "sambench: note: %s: %s, so it is not a sambench export of an official SAM checkpoint. A .pt is "
               "code that runs as you: load only models you made or trust (a hint only: metadata can be forged)\n",
               info.path.c_str(), doubt.c_str());
}

}  // namespace

void log_start(const RunSetup& setup) {
  const ModelInfo& info = setup.model_info();
  std::fprintf(stderr, "sambench: model %s (%s, sha256 %.12s, encoder %s) on %s, %d thread(s)\n",
               info.path.c_str(), info.model_type.c_str(), info.sha256.c_str(), info.precision.c_str(),
               info.device.c_str(), setup.threads);
  std::string modes;
  for (const auto& m : setup.settings.modes) modes += (modes.empty() ? "" : ", ") + m.name;
  std::fprintf(stderr, "sambench: %zu image(s), %zu class(es), prompt %s%s, mask policy %s\n",
               setup.samples.size(), setup.dataset->classes().size(), modes.c_str(),
               setup.replay ? " (replayed)" : "", setup.config.mask_policy.as_written().dump().c_str());
  if (info.device == "cpu" && !optimized_blas_loaded()) {
    std::fprintf(stderr, "sambench: WARNING: reference BLAS in use; the encoder will be ~20x slower "
                         "(install libopenblas0-openmp)\n");
  }
  if (info.metadata.value("random_init", false)) {
    std::fprintf(stderr, "sambench: WARNING: random-weight model; its Dice means nothing\n");
  }
  if (setup.model) log_provenance(info);  // none for the stand-in of `bench`
  std::fprintf(stderr, "sambench: model profile %s\n", describe(info.profile).c_str());
  if (!info.profile_overrides.empty()) {
    std::fprintf(stderr,
                 "sambench: WARNING: the config overrides the model's profile (%s): this run no longer follows "
                 "the model's own pipeline\n",
                 info.profile_overrides.dump().c_str());
  }
  // A fine-tuning config names the base model: evaluating it is legitimate (the zero-shot side of
  // the comparison) but easily mistaken for evaluating the tuned one.
  if (!setup.config.finetune.is_null()) {
    std::fprintf(stderr, "sambench: note: the config's finetune: section is for `sambench finetune`; eval "
                         "evaluates model.path as it is\n");
  }
}

void flush_case(const RunSetup& setup, std::optional<OpenCase>& open_case, EvalOutput& unit) {
  if (!open_case) return;
  std::string file = case_volume_path(open_case->case_id);
  fs::path path = setup.config.run.output / file;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  write_label_volume(path, to_stored_orientation(open_case->labels, open_case->stored));
  unit.saved_files.push_back(file);
  open_case.reset();
}

void add_to_case(const RunSetup& setup, std::optional<OpenCase>& open_case, EvalOutput& unit, const SampleRef& ref,
                 const VolumeGeometry& stored, const cv::Mat& label_map) {
  if (open_case && open_case->case_id != ref.case_id) flush_case(setup, open_case, unit);
  const VolumeGeometry grid = rai_geometry(stored);
  if (!open_case) {
    open_case = OpenCase{ref.case_id, stored, {grid, {}}};
    open_case->labels.voxels.assign(size_t(grid.size[0]) * grid.size[1] * grid.size[2], 0);
  }
  LabelVolume& volume = open_case->labels;
  if (label_map.cols != grid.size[0] || label_map.rows != grid.size[1] || ref.slice < 0 ||
      ref.slice >= grid.size[2]) {
    throw Error(ref.mask, "slice " + ref.id + " does not fit its volume's grid");
  }
  cv::Mat wide;
  label_map.convertTo(wide, CV_16U);
  cv::Mat target(grid.size[1], grid.size[0], CV_16U, volume.voxels.data() + volume.slice_pixels() * ref.slice);
  wide.copyTo(target);
}

void write_predictions(const RunSetup& setup, const SampleRef& ref, const Sample& sample,
                       const std::vector<Instance>& instances, const std::vector<Prediction>& predictions,
                       SavedPredictions& saved) {
  const fs::path& dir = setup.config.run.output;
  for (size_t i = 0; i < instances.size(); ++i) {
    const std::string& name = setup.class_names.at(instances[i].class_label);
    saved.files.push_back(instance_mask_path(ref.id, name, instances[i].index));
    write_mask_png(dir / saved.files.back(), predictions[i].mask);
    if (!predictions[i].logits.empty()) {
      saved.files.push_back(instance_logits_path(ref.id, name, instances[i].index));
      write_npy(dir / saved.files.back(), predictions[i].logits, predictions[i].logits_size,
                predictions[i].logits_size);
    }
  }
  saved.files.push_back(label_map_path(ref.id));
  saved.label_map = merge_label_map(instances, predictions, sample.labels.size());
  write_image(dir / saved.files.back(), saved.label_map);
}

}  // namespace sambench
