#include "sambench/report/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <opencv2/imgproc.hpp>

#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/base/path_inside.h"
#include "sambench/base/manifest.h"
#include "sambench/base/subprocess.h"
#include "sambench/data/image_io.h"
#include "sambench/data/instances.h"
#include "sambench/report/predictions.h"
#include "sambench/report/run_dataset.h"
#include "sambench/prompts/prompt_log.h"
#include "sambench/report/tables.h"

#ifndef SAMBENCH_SCRIPTS_DIR
#define SAMBENCH_SCRIPTS_DIR "scripts"
#endif

namespace sambench {

namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// How long one chart may take; SAMBENCH_PLOT_TIMEOUT (seconds) changes it.
double plot_timeout_seconds() {
  const std::string text = env_or("SAMBENCH_PLOT_TIMEOUT", "120");
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !(seconds > 0) || seconds > 86400) {
    throw Error("SAMBENCH_PLOT_TIMEOUT: expected seconds in (0, 86400], got '" + text + "'");
  }
  return seconds;
}

// A note in report.md, and a warning on stderr: a chart that is missing should not go unseen.
void note_missing(Figures& figures, const std::string& note) {
  std::fprintf(stderr, "sambench: WARNING: %s\n", note.c_str());
  figures.notes.push_back(note);
}

void draw_contour(cv::Mat& canvas, const cv::Mat& mask, const cv::Scalar& colour, int thickness) {
  std::vector<std::vector<cv::Point>> contours;
  cv::Mat binary = mask != 0;
  cv::findContours(binary, contours, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);
  cv::drawContours(canvas, contours, -1, colour, thickness, cv::LINE_8);
}

// One bar chart per result set, from the run's per_class.csv.
void draw_charts(const RunTables& tables, Figures& figures) {
  const std::string python = env_or("SAMBENCH_PYTHON", "/usr/bin/python3");
  const fs::path script = fs::path(env_or("SAMBENCH_SCRIPTS", SAMBENCH_SCRIPTS_DIR)) / "plot_dice.py";
  if (!fs::exists(script)) {
    note_missing(figures, "no bar charts: " + script.string() + " not found (set SAMBENCH_SCRIPTS)");
    return;
  }
  const double timeout = plot_timeout_seconds();
  for (const auto& [set, description] : tables.sets) {
    std::string file = "figures/dice_" + file_slug(set) + ".png";
    SubprocessResult done = run_subprocess({python, script.string(), "--table", (tables.dir / "per_class.csv").string(),
                                            "--prompt", set, "--output", (tables.dir / file).string()},
                                           timeout);
    if (!done.ok()) {
      std::string why = done.timed_out ? " (SAMBENCH_PLOT_TIMEOUT is " + format_number(timeout, 0) + " s)"
                                       : " (is python3-matplotlib installed?)";
      note_missing(figures, "no bar chart for " + set + ": " + python + " " + script.filename().string() + " " +
                                done.describe() + why);
      continue;
    }
    figures.charts.emplace_back(set, file);
  }
}

// The instances to draw: per class, the N with the highest and the N with the lowest Dice of
// the first result set (NaN excluded; ties broken by image and instance).
std::vector<std::pair<std::string, const InstanceResult*>> pick_instances(const RunTables& tables, int n) {
  std::vector<std::pair<std::string, const InstanceResult*>> out;
  for (const auto& cls : tables.classes) {
    std::vector<const InstanceResult*> rows;
    for (const auto& r : tables.instances) {
      if (r.result_set == tables.sets.front().first && r.class_label == cls.label && !std::isnan(r.dice)) rows.push_back(&r);
    }
    std::sort(rows.begin(), rows.end(), [](const InstanceResult* a, const InstanceResult* b) {
      return std::tie(a->dice, a->image, a->instance) < std::tie(b->dice, b->image, b->instance);
    });
    const size_t k = std::min(rows.size(), static_cast<size_t>(n));
    for (size_t i = 0; i < k; ++i) out.emplace_back("best_" + std::to_string(i + 1), rows[rows.size() - 1 - i]);
    for (size_t i = 0; i < k && i < rows.size() - k; ++i) out.emplace_back("worst_" + std::to_string(i + 1), rows[i]);
  }
  return out;
}

// A prompt in the frame of an image upscaled k times: pixel centres map to pixel centres.
Prompt scaled(const Prompt& prompt, int k) {
  auto at = [k](cv::Point2d p) { return cv::Point2d((p.x + 0.5) * k - 0.5, (p.y + 0.5) * k - 0.5); };
  Prompt out = prompt;
  for (auto& p : out.points) p = at(p);
  if (out.box) out.box = Box{at(out.box->top_left), at(out.box->bottom_right)};
  return out;
}

// draw_overlay on the image upscaled by overlay_scale (nearest neighbour: no pixel is invented).
cv::Mat draw_readable_overlay(const cv::Mat& rgb, const cv::Mat& truth, const cv::Mat& prediction, const Prompt* prompt) {
  const int k = overlay_scale(rgb.size());
  if (k == 1) return draw_overlay(rgb, truth, prediction, prompt);
  auto up = [k](const cv::Mat& m) {
    cv::Mat out;
    cv::resize(m, out, cv::Size(), k, k, cv::INTER_NEAREST);
    return out;
  };
  if (!prompt) return draw_overlay(up(rgb), up(truth), up(prediction), nullptr);
  const Prompt big = scaled(*prompt, k);
  return draw_overlay(up(rgb), up(truth), up(prediction), &big);
}

void draw_overlays(const RunTables& tables, const FigureOptions& options, Figures& figures) {
  const auto picks = pick_instances(tables, options.overlays_per_class);
  if (picks.empty()) return;
  for (const auto& [rank, r] : picks) {
    if (r->mask_file.empty()) {
      figures.notes.push_back("no overlays: the run saved no predictions (rerun eval with --save-predictions)");
      return;
    }
  }
  Config config;
  try {
    config = confirmed_run_config(tables.dir, tables.summary, options.dataset_root);
  } catch (const Error& e) {
    figures.notes.push_back(std::string("no overlays: ") + e.what());
    return;
  }
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  const std::vector<SampleRef> listed = dataset->list();
  check_inside_root(config, listed);
  std::map<std::string, SampleRef> refs;
  for (const auto& ref : listed) refs[ref.id] = ref;
  std::map<PromptKey, Prompt> prompts;
  if (fs::exists(tables.dir / "prompts.jsonl")) prompts = read_prompt_log(tables.dir / "prompts.jsonl");
  for (const auto& [rank, r] : picks) {
    auto ref = refs.find(r->image);
    if (ref == refs.end()) throw Error(tables.dir / "per_instance.csv", "image " + r->image + " is not in the dataset any more");
    Sample sample = dataset->load(ref->second);
    const Instance* instance = nullptr;
    std::vector<Instance> instances = find_instances(sample.labels, dataset->classes(), config.instances, ref->second.mask);
    for (const auto& inst : instances) {
      if (inst.class_label == r->class_label && inst.index == r->instance) instance = &inst;
    }
    if (!instance) throw Error(ref->second.mask, "instance " + std::to_string(r->instance) + " of " + r->class_name + " not found: the data changed since the run");
    auto prompt = prompts.find({r->image, r->class_label, r->instance, r->result_set});
    const fs::path mask_file = path_inside(tables.dir, r->mask_file, tables.dir / "per_instance.csv");
    cv::Mat overlay = draw_readable_overlay(sample.image, full_mask(*instance, sample.labels.size()), read_mask_png(mask_file),
                                            prompt == prompts.end() ? nullptr : &prompt->second);
    std::string file = "figures/overlays/" + file_slug(r->class_name) + "/" + rank + "_" + file_slug(r->image) + "_" +
                       std::to_string(r->instance) + ".png";
    fs::create_directories((tables.dir / file).parent_path());
    write_image(tables.dir / file, overlay);
    figures.overlays.emplace_back(r->class_name + " " + rank + ": " + r->image + " instance " +
                                      std::to_string(r->instance) + ", Dice " + format_number(r->dice, 3),
                                  file);
  }
}

}  // namespace

cv::Mat draw_overlay(const cv::Mat& rgb, const cv::Mat& truth, const cv::Mat& prediction, const Prompt* prompt) {
  cv::Mat canvas;
  cv::cvtColor(rgb, canvas, cv::COLOR_RGB2BGR);
  const int thickness = std::max(1, static_cast<int>(std::lround(std::max(rgb.cols, rgb.rows) / 400.0)));
  draw_contour(canvas, truth, {0, 255, 0}, thickness);
  draw_contour(canvas, prediction, {0, 0, 255}, thickness);
  if (!prompt) return canvas;
  const int size = 6 * thickness + 4;
  for (size_t i = 0; i < prompt->points.size(); ++i) {
    cv::Point p(static_cast<int>(std::lround(prompt->points[i].x)), static_cast<int>(std::lround(prompt->points[i].y)));
    bool positive = prompt->labels[i] == kPositive;
    cv::drawMarker(canvas, p, positive ? cv::Scalar(0, 255, 255) : cv::Scalar(255, 0, 255),
                   positive ? cv::MARKER_CROSS : cv::MARKER_TILTED_CROSS, size, thickness + 1);
  }
  if (prompt->box) {
    cv::rectangle(canvas, cv::Point(static_cast<int>(prompt->box->top_left.x), static_cast<int>(prompt->box->top_left.y)),
                  cv::Point(static_cast<int>(prompt->box->bottom_right.x), static_cast<int>(prompt->box->bottom_right.y)),
                  {255, 255, 0}, thickness);
  }
  return canvas;
}

int overlay_scale(cv::Size image) {
  const int longer = std::max(image.width, image.height);
  return longer <= 0 ? 1 : std::max(1, 512 / longer);
}

Figures make_figures(const RunTables& tables, const FigureOptions& options) {
  Figures figures;
  std::error_code ec;
  // Figures of an earlier report would mislead: those the manifest lists go; a user's own files in
  // figures/ stay. A link named figures is removed, never followed.
  const fs::path folder = tables.dir / "figures";
  if (fs::is_symlink(fs::symlink_status(folder, ec))) fs::remove(folder, ec);
  std::vector<std::string> earlier;
  for (const auto& file : read_manifest(tables.dir)) {
    if (file.rfind("figures/", 0) == 0) earlier.push_back(file);
  }
  remove_listed_files(tables.dir, earlier);
  fs::create_directories(folder, ec);
  if (ec) throw Error(tables.dir / "figures", "cannot create: " + ec.message());
  if (options.charts) draw_charts(tables, figures);
  if (options.overlays_per_class > 0 && !tables.sets.empty()) draw_overlays(tables, options, figures);
  return figures;
}

}  // namespace sambench
