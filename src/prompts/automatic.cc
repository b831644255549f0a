#include "sambench/prompts/automatic.h"

#include <algorithm>
#include <numeric>
#include <sstream>
#include <type_traits>

#include <opencv2/imgproc.hpp>

#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/mask_box.h"
#include "sambench/metrics/metrics.h"
#include "sambench/model/postprocess.h"
#include "sambench/prompts/decoder_prompt.h"
#include "sambench/prompts/prompt.h"

namespace sambench {

namespace {

using nlohmann::json;

const char* kWhere = "prompt everything";

template <typename T>
void read_option(const json& spec, const char* key, T& value) {
  if (!spec.contains(key)) return;
  const json& v = spec.at(key);
  bool ok = std::is_integral_v<T> ? v.is_number_integer() : v.is_number();
  if (!ok) throw Error(std::string(kWhere) + ": '" + key + "' must be a number, got " + v.dump());
  value = v.get<T>();
}

void check_range(bool ok, const char* key, const std::string& expected) {
  if (!ok) throw Error(std::string(kWhere) + ": '" + key + "' must be " + expected);
}

// The official corners of a tight box: batched_mask_to_box gives [0, 0, 0, 0] for an empty mask.
cv::Rect2f corners(const cv::Rect& r) {
  if (r.empty()) return {0, 0, 0, 0};
  // Rect2f used as (x0, y0, x1, y1).
  return {static_cast<float>(r.x), static_cast<float>(r.y), static_cast<float>(r.x + r.width - 1),
          static_cast<float>(r.y + r.height - 1)};
}

Prompt single_point(cv::Point2d p) {
  Prompt prompt;
  prompt.points = {p};
  prompt.labels = {kPositive};
  return prompt;
}

// SamAutomaticMaskGenerator._process_batch: the multimask outputs of each point, filtered by
// predicted IoU (on the decoder's scores, before any upscaling) and by stability (on the
// upscaled logits, as the official computes it after postprocess_masks).
void process_batch(const SamModel& model, const Embedding& embedding, const ResizeTransform& t,
                   const AutomaticOptions& o, const std::vector<cv::Point2d>& points, size_t begin,
                   size_t end, std::vector<GeneratedMask>& out) {
  std::vector<DecoderPrompt> prompts;
  for (size_t i = begin; i < end; ++i) prompts.push_back(to_decoder_prompt(single_point(points[i]), t, model.info().profile));
  const DecodeOutput decoded = model.decode(embedding, prompts);
  const float threshold = model.info().mask_threshold;
  for (int p = 0; p < decoded.batch; ++p) {
    std::vector<int> passed;
    std::vector<const float*> outputs;
    for (int m = 1; m < decoded.masks; ++m) {
      // The official skips a filter whose threshold is 0 (so negative predictions survive).
      if (o.pred_iou_thresh > 0.0f && !(decoded.score(p, m) > o.pred_iou_thresh)) continue;
      passed.push_back(m);
      outputs.push_back(decoded.mask_logits(p, m));
    }
    const std::vector<cv::Mat> upscaled = upscale_logits(outputs, decoded.size, t);
    for (size_t i = 0; i < passed.size(); ++i) {
      const int m = passed[i];
      const float predicted = decoded.score(p, m);
      const cv::Mat& logits = upscaled[i];
      float stability = stability_score(logits, threshold, o.stability_score_offset);
      if (o.stability_score_thresh > 0.0f && !(stability >= o.stability_score_thresh)) continue;
      GeneratedMask g = cropped_mask(threshold_logits(logits, threshold));
      g.predicted_iou = predicted;
      g.stability = stability;
      g.point = points[begin + p];
      g.mask_index = m;
      out.push_back(std::move(g));
    }
  }
}

cv::Mat full_size(const GeneratedMask& g, const ResizeTransform& t) {
  cv::Mat full = cv::Mat::zeros(t.orig_h, t.orig_w, CV_8U);
  if (!g.box.empty()) g.mask.copyTo(full(g.box));
  return full;
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

// Only the box's crop is kept until NMS has run, so memory follows the masks' extent rather than
// (image size x candidates); the official keeps RLEs for the same reason.
GeneratedMask cropped_mask(const cv::Mat& mask) {
  GeneratedMask g;
  g.box = mask_box(mask);
  g.mask = g.box.empty() ? cv::Mat() : mask(g.box).clone();
  return g;
}

AutomaticOptions automatic_defaults(const ModelProfile& profile) {
  // Each official generator's constructor defaults, by the profile of the model it ships with:
  // sam2/automatic_mask_generator.py keeps SAM's but for pred_iou_thresh. Its other defaults
  // (crop_n_layers 0, min_mask_region_area 0, multimask_output on, use_m2m off) select the
  // path generate_masks takes for every model.
  struct Entry {
    const char* profile;
    AutomaticOptions options;  // points_per_side, points_per_batch, pred_iou, stability, offset, box NMS
  };
  static const Entry kOfficial[] = {
      {"sam2", {32, 64, 0.8f, 0.95f, 1.0f, 0.7f}},
  };
  for (const Entry& e : kOfficial) {
    if (profile.name == e.profile) return e.options;
  }
  return AutomaticOptions();
}

AutomaticOptions parse_automatic_options(const json& spec, const AutomaticOptions& defaults) {
  AutomaticOptions o = defaults;
  if (spec.is_string() && spec.get<std::string>() == "everything") return o;
  if (!spec.is_object() || spec.value("mode", json()) != "everything") {
    throw Error(std::string(kWhere) + ": expected \"everything\" or an object with mode: everything, got " +
                spec.dump());
  }
  check_keys(spec,
             {"mode", "points_per_side", "points_per_batch", "pred_iou_thresh",
              "stability_score_thresh", "stability_score_offset", "box_nms_thresh"},
             kWhere);
  read_option(spec, "points_per_side", o.points_per_side);
  read_option(spec, "points_per_batch", o.points_per_batch);
  read_option(spec, "pred_iou_thresh", o.pred_iou_thresh);
  read_option(spec, "stability_score_thresh", o.stability_score_thresh);
  read_option(spec, "stability_score_offset", o.stability_score_offset);
  read_option(spec, "box_nms_thresh", o.box_nms_thresh);
  check_range(o.points_per_side >= 1, "points_per_side", "at least 1");
  check_range(o.points_per_batch >= 1, "points_per_batch", "at least 1");
  check_range(o.stability_score_offset >= 0.0f, "stability_score_offset", "at least 0");
  check_range(o.box_nms_thresh >= 0.0f && o.box_nms_thresh <= 1.0f, "box_nms_thresh", "in [0, 1]");
  return o;
}

std::string describe(const AutomaticOptions& o) {
  return "everything: a " + std::to_string(o.points_per_side) + "x" + std::to_string(o.points_per_side) +
         " grid of single positive points (points_per_side=" + std::to_string(o.points_per_side) +
         ", points_per_batch=" + std::to_string(o.points_per_batch) +
         "), the 3 multimask outputs of each kept if predicted IoU > " + number(o.pred_iou_thresh) +
         " (pred_iou_thresh) and stability score >= " + number(o.stability_score_thresh) +
         " (stability_score_thresh, offset " + number(o.stability_score_offset) +
         "), then box NMS at IoU " + number(o.box_nms_thresh) +
         " (box_nms_thresh); a threshold of 0 disables its filter; no crops, no small-region removal";
}

std::vector<cv::Point2d> point_grid(int n, int width, int height) {
  // np.linspace(1/(2n), 1 - 1/(2n), n), term by term (start + i * step, last = stop), so the
  // points equal the official float64 ones bit for bit; then scaled by the image's W and H.
  const double start = 1.0 / (2 * n), stop = 1.0 - start;
  std::vector<double> side(n);
  for (int i = 0; i < n; ++i) side[i] = n > 1 ? i * ((stop - start) / (n - 1)) + start : start;
  if (n > 1) side[n - 1] = stop;
  std::vector<cv::Point2d> points;
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) points.emplace_back(side[i] * width, side[j] * height);
  }
  return points;
}

float stability_score(const cv::Mat& logits, float mask_threshold, float offset) {
  CV_Assert(logits.type() == CV_32F);
  // Thresholds in float, as torch compares a float tensor with a Python scalar.
  const float high = mask_threshold + offset, low = mask_threshold - offset;
  long long inside_high = 0, inside_low = 0;
  for (int r = 0; r < logits.rows; ++r) {
    const float* row = logits.ptr<float>(r);
    for (int c = 0; c < logits.cols; ++c) {
      inside_high += row[c] > high;
      inside_low += row[c] > low;
    }
  }
  return static_cast<float>(inside_high) / static_cast<float>(inside_low);
}

float box_iou(const cv::Rect& ra, const cv::Rect& rb) {
  // torchvision's CPU nms kernel, in float: areas without the +1 of pixel counting.
  cv::Rect2f a = corners(ra), b = corners(rb);  // (x0, y0, x1, y1)
  float area_a = (a.width - a.x) * (a.height - a.y);
  float area_b = (b.width - b.x) * (b.height - b.y);
  float w = std::max(0.0f, std::min(a.width, b.width) - std::max(a.x, b.x));
  float h = std::max(0.0f, std::min(a.height, b.height) - std::max(a.y, b.y));
  float inter = w * h;
  return inter / (area_a + area_b - inter);  // NaN for two zero-area boxes: never suppresses
}

std::vector<int> box_nms(const std::vector<cv::Rect>& boxes, const std::vector<float>& scores,
                         float iou_thresh) {
  CV_Assert(boxes.size() == scores.size());
  std::vector<int> order(boxes.size());
  std::iota(order.begin(), order.end(), 0);
  // Stable, so equal scores keep generation order (torch's sort makes no promise there).
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  std::vector<bool> suppressed(boxes.size(), false);
  std::vector<int> keep;
  for (size_t i = 0; i < order.size(); ++i) {
    if (suppressed[order[i]]) continue;
    keep.push_back(order[i]);
    for (size_t j = i + 1; j < order.size(); ++j) {
      // torchvision compares the float IoU with a double threshold.
      if (static_cast<double>(box_iou(boxes[order[i]], boxes[order[j]])) > static_cast<double>(iou_thresh)) {
        suppressed[order[j]] = true;
      }
    }
  }
  return keep;
}

std::vector<GeneratedMask> generate_masks(const SamModel& model, const Embedding& embedding,
                                          const ResizeTransform& t, const AutomaticOptions& o) {
  const std::vector<cv::Point2d> points = point_grid(o.points_per_side, t.orig_w, t.orig_h);
  std::vector<GeneratedMask> candidates;
  const size_t batch = static_cast<size_t>(o.points_per_batch);
  for (size_t begin = 0; begin < points.size(); begin += batch) {
    process_batch(model, embedding, t, o, points, begin, std::min(points.size(), begin + batch), candidates);
  }
  std::vector<cv::Rect> boxes;
  std::vector<float> scores;
  for (const auto& c : candidates) {
    boxes.push_back(c.box);
    scores.push_back(c.predicted_iou);
  }
  std::vector<GeneratedMask> out;
  for (int i : box_nms(boxes, scores, o.box_nms_thresh)) {
    GeneratedMask g = std::move(candidates[i]);
    g.mask = full_size(g, t);
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<int> match_instances(const std::vector<Instance>& instances,
                                 const std::vector<GeneratedMask>& masks) {
  std::vector<long long> areas;
  std::vector<cv::Rect> boxes;
  for (const auto& m : masks) {
    areas.push_back(cv::countNonZero(m.mask));
    boxes.push_back(mask_box(m.mask));
  }
  std::vector<int> matches;
  for (const auto& inst : instances) {
    const long long inst_area = cv::countNonZero(inst.crop);
    int best = -1;
    double best_iou = 0.0;
    for (size_t k = 0; k < masks.size(); ++k) {
      CV_Assert((inst.box & cv::Rect(cv::Point(), masks[k].mask.size())) == inst.box);
      // Pixels outside both boxes cannot intersect: count only where the boxes overlap.
      cv::Rect roi = inst.box & boxes[k];
      if (roi.empty()) continue;
      Overlap o = overlap(masks[k].mask(roi), inst.crop(roi - inst.box.tl()));
      if (o.intersection == 0) continue;
      double value = static_cast<double>(o.intersection) / (inst_area + areas[k] - o.intersection);
      if (value > best_iou) {
        best_iou = value;
        best = static_cast<int>(k);
      }
    }
    matches.push_back(best);
  }
  return matches;
}

}  // namespace sambench
