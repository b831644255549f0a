// What a run writes: the tables, summary.json, timings.json, prompts.jsonl and the saved
// predictions; and what it writes when it fails.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "run/run.h"
#include "run/run_journal.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
#include "sambench/report/run_report.h"
#include "sambench/report/run_tables.h"
#include "sambench/base/version.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every file a run may write. Files of an earlier run in the same folder would be mistaken for
// this run's, so all are removed first.
const char* kOutputs[] = {"per_instance.csv",    "per_image.csv",      "per_case.csv",
                          "per_class.csv",       "per_class_image.csv", "per_class_case.csv",
                          "per_group.csv",       "per_instance.partial.csv", "prompts.jsonl",
                          "timings.json",        "summary.json",        "report.md",
                          kJournalFile,          kStateFile};

std::string surface_convention(const Run& run) {
  if (!run.surface.enabled) return "off (metrics.surface: false): nsd and hd95 are NaN";
  return "surface = foreground pixels with a background face neighbour (outside the image is "
         "background); NSD at tolerance " + format_number(run.surface.tolerance_mm, 3) +
         " mm = fraction of both surfaces' pixels within the tolerance of the other surface; HD95 = "
         "max of the two directed 95th percentiles of surface distances (mm, linear "
         "interpolation); distances use the sample's pixel spacing (2D images without one: 1 pixel "
         "= 1 mm); instance and image rows in 2D, case rows in 3D on the stacked evaluated slices "
         "with the volume's spacing; both masks empty: NaN (empty_rule nan) or NSD 1, HD95 0 "
         "(empty_rule one); exactly one empty: NSD 0, HD95 = the image's (volume's) diagonal in mm";
}

std::string bootstrap_convention(const Run& run) {
  if (run.config.metrics.bootstrap <= 0) return "none (metrics.bootstrap: 0)";
  return "95% percentile bootstrap of each mean: " + std::to_string(run.config.metrics.bootstrap) +
         " resamples of the cases (volumes; images for 2D data) with replacement, all rows of a "
         "drawn case together; seed " + std::to_string(run.config.metrics.bootstrap_seed) +
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

json conventions(const Run& run) {
  const ModelInfo& info = run.model_info();
  const InstanceConfig& ic = run.config.instances;
  json prompts = json::array();
  for (const auto& set : run.result_sets) prompts.push_back(set.description);
  return {
      {"instances", ic.whole_class
                        ? "whole_class: each class's whole mask is one instance"
                        : "8-connected components of each class mask with at least " +
                              std::to_string(ic.min_area) + " pixels"},
      {"prompts", prompts},
      {"prompt_seed", run.config.prompt_seed},
      {"prompt_source", run.replay ? "replayed from " + run.config.replay_prompts.string()
                                   : std::string("derived from the ground truth by the modes above")},
      {"mask_policies", [&] {
         json out = json::array();
         for (MaskPolicy p : run.policies) out.push_back(describe(p));
         return out;
       }()},
      {"empty_rule", describe(run.empty_rule)},
      {"field_of_view", run.dataset->region_of_interest().empty() ? "none: whole images are scored"
                                                                  : run.dataset->region_of_interest()},
      {"preprocess", "SamPredictor: longest side resized to " + std::to_string(info.image_size) +
                         " with PIL-equivalent bilinear (antialiased) resampling, normalized with "
                         "the model's pixel mean/std, zero-padded bottom/right"},
      {"encoder_precision", precision_convention(info)},
      {"postprocess", "low-res logits bilinearly upscaled (align_corners=false) to " +
                          std::to_string(info.image_size) +
                          ", cropped, resized to the original size; mask = logit > " +
                          format_number(info.mask_threshold, 3)},
      {"metrics", "Dice = 2|P∩G|/(|P|+|G|), IoU = |P∩G|/|P∪G|, precision = |P∩G|/|P|, recall = "
                  "|P∩G|/|G|, at original resolution; an empty prediction for a non-empty truth "
                  "scores 0 in all four"},
      {"surface_metrics", surface_convention(run)},
      {"confidence_intervals", bootstrap_convention(run)},
      {"levels", "instance: each prompted instance against its own mask; image: per class, the "
                 "union of the class's kept masks against the whole class mask (instances below "
                 "min_area count as missed); case (volumes): the image rows' pixel counts summed "
                 "over the case's evaluated slices, i.e. the 3D Dice of the stacked predictions"},
      {"aggregation", "per prompt mode and class: mean, population std and median over the "
                      "level's rows (NaN excluded); mean_over_classes (nnU-Net's foreground_mean): "
                      "mean of the class means; mean_over_<rows>: mean over all rows"},
  };
}

// nnU-Net's per-case keys for one result set: cases for volumes, images for 2D data.
json unit_summary(const Run& run, const std::string& set, const std::vector<LevelSummary>& levels) {
  if (run.volumetric) return nnunet_json(of_set(case_rows(run), set), levels.back(), "case");
  return nnunet_json(of_set(run.image_results, set), levels[1], "image");
}

json summary_json(const Run& run, const std::string& status) {
  const ModelInfo& info = run.model_info();
  json prompts = json::array();
  auto levels = mode_levels(run);
  SetGroups by_group = group_levels(run);
  for (size_t m = 0; m < run.result_sets.size(); ++m) {
    json tables = json::object(), groups = json::object();
    for (const auto& level : levels[m].second) tables[level.name] = level_json(level);
    for (const auto& [group, level] : by_group[m].second) groups[group] = level_json(level);
    json block = {{"name", run.result_sets[m].name},
                  {"description", run.result_sets[m].description},
                  {"levels", tables},
                  {"groups", groups}};
    block.update(unit_summary(run, run.result_sets[m].name, levels[m].second));
    prompts.push_back(block);
  }
  std::vector<std::string> saved = run.saved_files;
  std::sort(saved.begin(), saved.end());  // independent of the order of writing
  return {
      {"status", status},
      {"sambench", {{"version", version()}, {"git_commit", git_commit()}}},
      {"config_file", run.config.file.string()},
      {"config", to_json(run.config)},
      {"model",
       {{"path", info.path.string()}, {"sha256", info.sha256}, {"precision", info.precision}, {"metadata", info.metadata}}},
      {"conventions", conventions(run)},
      // Numbers can differ in the last bits across devices and thread counts (BLAS reductions).
      {"runtime", {{"device", info.device}, {"threads", run.threads}}},
      {"counts",
       {{"images", static_cast<long long>(run.samples.size())},
        {"images_done", run.images_done},
        {"images_without_instances", run.images_without_instances},
        {"instances", static_cast<long long>(run.results.size() / std::max<size_t>(1, run.result_sets.size()))},
        {"prompts", static_cast<long long>(run.prompt_lines.size())},
        {"images_skipped", skipped_images(run)}}},
      {"skipped", skipped_json(run)},
      {"prompts", prompts},
      // nnU-Net's keys, for the first prompt mode (each mode's block in "prompts" has its own).
      {"metric_per_case", prompts[0].value("metric_per_case", json::array())},
      {"mean", prompts[0].value("mean", json::object())},
      {"foreground_mean", prompts[0].value("foreground_mean", json::object())},
      {"tables", table_files(run)},
      {"predictions", saved},
  };
}

json timings_json(const Run& run, double wall, double load) {
  double per_s = wall > 0 ? 1.0 / wall : 0.0;
  return {{"wall_s", wall},
          {"model_load_s", load},
          {"device", run.model_info().device},
          {"threads", run.threads},
          {"images", run.images_done},
          {"prompts", static_cast<long long>(run.results.size())},
          {"images_per_s", static_cast<double>(run.images_done) * per_s},
          {"prompts_per_s", static_cast<double>(run.results.size()) * per_s},
          {"prefetch", run.config.run.prefetch},
          {"metric_workers", run.config.run.metric_workers},
          {"encodes_reused", run.encodes_reused},
          {"embedding_cache", run.embedding_cache ? run.embedding_cache->stats() : json(nullptr)},
          {"stages", run.times.to_json(run.images_done)}};
}

void clear_outputs(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : kOutputs) fs::remove(dir / name, ec);
  fs::remove_all(dir / "predictions", ec);
  fs::remove_all(dir / "figures", ec);
}

std::string case_table(const Run& run) { return per_region_csv(case_rows(run), "case"); }

std::string prompt_log(const Run& run) {
  std::string out;
  for (const auto& line : run.prompt_lines) out += line + "\n";
  return out;
}

// Where the open case's label volume goes.
std::string case_volume_path(const std::string& case_id) { return "predictions/" + case_id + ".nii.gz"; }

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

}  // namespace

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<RegionResult> case_rows(const Run& run) {
  std::vector<RegionResult> cases = combine_cases(run.image_results, run.case_of, run.empty_rule);
  for (auto& c : cases) {
    SurfaceScores s = run.case_surfaces.get(c.prompt, c.unit, c.class_label);
    c.nsd = s.nsd;
    c.hd95 = s.hd95;
  }
  return cases;
}

// The run's rows as a saved run's files hold them (run_tables.h), so that eval and report
// summarize through the same code.
RunTables tables_of(const Run& run) {
  RunTables t;
  t.dir = run.config.run.output;
  t.classes = run.dataset->classes();
  for (const auto& set : run.result_sets) t.sets.emplace_back(set.name, set.description);
  t.instances = run.results;
  t.images = run.image_results;
  if (run.volumetric) t.cases = case_rows(run);
  t.case_of = run.case_of;
  t.volumetric = run.volumetric;
  return t;
}

std::vector<std::pair<std::string, std::vector<LevelSummary>>> mode_levels(const Run& run) {
  return summarize_sets(tables_of(run), run.config.metrics.bootstrap,
                        static_cast<uint64_t>(run.config.metrics.bootstrap_seed));
}

// Instance-level summaries per group (e.g. per fundus domain) of each mode.
SetGroups group_levels(const Run& run) {
  return summarize_groups(tables_of(run), run.config.metrics.bootstrap,
                          static_cast<uint64_t>(run.config.metrics.bootstrap_seed));
}

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

void write_tables(const Run& run, const fs::path& dir) {
  write_file_atomic(dir / "per_instance.csv", per_instance_csv(run.results));
  write_file_atomic(dir / "per_image.csv", per_region_csv(run.image_results, "image"));
  if (run.volumetric) write_file_atomic(dir / "per_case.csv", case_table(run));

  write_class_tables(mode_levels(run), dir);
  write_group_table(group_levels(run), dir);
}

// report.md and the figures; a failure there costs the report, never the results.
void write_run_report(const Run& run, const json& summary) {
  try {
    RunTables tables = tables_of(run);
    tables.summary = summary;
    write_report(tables, mode_levels(run), {});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: WARNING: report.md not written: %s\n", e.what());
  }
}

void write_outputs(const Run& run, double wall, double load) {
  const fs::path& dir = run.config.run.output;
  write_tables(run, dir);
  write_file_atomic(dir / "prompts.jsonl", prompt_log(run));
  write_file_atomic(dir / "timings.json", timings_json(run, wall, load).dump(2) + "\n");
  json summary = summary_json(run, "complete");
  write_run_report(run, summary);
  // summary.json goes last: its "complete" status promises that the other files are there.
  write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
}

void write_failure(Run& run, const std::string& error) {
  const fs::path& dir = run.config.run.output;
  try {
    write_file_atomic(dir / "per_instance.partial.csv", per_instance_csv(run.results));
    if (run.model) {
      json summary = summary_json(run, "failed");
      summary["error"] = error;
      write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sambench: could not save partial results: %s\n", e.what());
  }
}

void prepare_output(const fs::path& dir, bool resume) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir, "cannot create output folder: " + ec.message());
  if (resume) {
    fs::remove(dir / "per_instance.partial.csv", ec);
    remove_interrupted_writes(dir);
  } else {
    clear_outputs(dir);
  }
  // Fails now, not after hours of encoding, if the folder is not writable.
  write_file_atomic(dir / "summary.json", "{\n  \"status\": \"running\"\n}\n");
}

void log_start(const Run& run) {
  const ModelInfo& info = run.model_info();
  std::fprintf(stderr, "sambench: model %s (%s, sha256 %.12s, encoder %s) on %s, %d thread(s)\n",
               info.path.c_str(), info.model_type.c_str(), info.sha256.c_str(), info.precision.c_str(),
               info.device.c_str(), run.threads);
  std::string modes;
  for (const auto& m : run.modes) modes += (modes.empty() ? "" : ", ") + m.name;
  std::fprintf(stderr, "sambench: %zu image(s), %zu class(es), prompt %s%s, mask policy %s\n",
               run.samples.size(), run.dataset->classes().size(), modes.c_str(),
               run.replay ? " (replayed)" : "", run.config.mask_policy.as_written().dump().c_str());
  if (info.device == "cpu" && !optimized_blas_loaded()) {
    std::fprintf(stderr, "sambench: WARNING: reference BLAS in use; the encoder will be ~20x slower "
                         "(install libopenblas0-openmp)\n");
  }
  if (info.metadata.value("random_init", false)) {
    std::fprintf(stderr, "sambench: WARNING: random-weight model; its Dice means nothing\n");
  }
  // A fine-tuning config names the base model: evaluating it is legitimate (the zero-shot side of
  // the comparison) but easily mistaken for evaluating the tuned one.
  if (!run.config.finetune.is_null()) {
    std::fprintf(stderr, "sambench: note: the config's finetune: section is for `sambench finetune`; eval "
                         "evaluates model.path as it is\n");
  }
}

void flush_case(Run& run) {
  if (!run.open_case) return;
  std::string file = case_volume_path(run.open_case->case_id);
  fs::path path = run.config.run.output / file;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  write_label_volume(path, to_stored_orientation(run.open_case->labels, run.open_case->stored));
  run.saved_files.push_back(file);
  run.open_case.reset();
}

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

}  // namespace sambench
