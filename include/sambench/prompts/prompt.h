#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/data/instances.h"

namespace sambench {

// Point labels as SAM's prompt encoder understands them.
enum PointLabel { kPadding = -1, kNegative = 0, kPositive = 1, kBoxTopLeft = 2, kBoxBottomRight = 3 };

struct Box {
  cv::Point2d top_left, bottom_right;
};

// A prompt in original-image pixel coordinates: (x, y) = (column, row) of a pixel centre, the
// convention SamPredictor's callers use.
struct Prompt {
  std::vector<cv::Point2d> points;
  std::vector<int> labels;  // kPositive or kNegative, one per point
  std::optional<Box> box;
};

// What a rule may know besides the instance. Random rules draw from a generator seeded by
// (seed, image, instance.class_label, instance.index) only, so a sample gives the same prompt
// whichever machine or thread processes it, in whatever order.
struct PromptContext {
  std::string image;  // the sample's id
  cv::Size image_size;
  uint64_t seed = 0;
};

// Derives the prompt for one ground-truth instance. Rules are named in configs.
class PromptRule {
 public:
  virtual ~PromptRule() = default;
  virtual Prompt make(const Instance& instance, const PromptContext& context) const = 0;
  // One sentence recorded in summary.json, so a reader knows exactly what was fed to SAM; it
  // states every option's value.
  virtual std::string describe() const = 0;
  // A short label for tables, e.g. "box(margin=20px,jitter=0)".
  virtual std::string name() const = 0;
};

// spec: a mode name ("box": default options) or an object {"mode": "box", "margin": 20, ...}.
// An unknown mode or option is an Error listing the known ones.
std::unique_ptr<PromptRule> make_prompt_rule(const nlohmann::json& spec);
std::unique_ptr<PromptRule> make_prompt_rule(const std::string& mode);
std::unique_ptr<PromptRule> make_prompt_rule(const char* mode);  // else "box" is ambiguous
std::vector<std::string> prompt_rule_names();

// The generator a rule draws from for this instance (see PromptContext).
std::mt19937_64 instance_rng(const Instance& instance, const PromptContext& context);

// Centre of mass of the mask's pixels; the study's prompt. It can lie outside the object.
cv::Point2d centroid(const cv::Mat& mask);

// Whether the pixel that contains point p (rounded to the nearest pixel centre) is in the mask.
bool contains(const cv::Mat& mask, cv::Point2d p);

// The mask pixel nearest to p (Euclidean, between pixel centres); ties go to the first in raster
// order (lowest row, then lowest column). The mask must have a pixel.
cv::Point nearest_pixel(const cv::Mat& mask, cv::Point2d p);

// The mask pixel farthest from the outside: the maximum of the Euclidean distance transform,
// with the image border counted as outside. Ties go to the first in raster order.
cv::Point interior_point(const cv::Mat& mask);

// The tight box as SAM's batched_mask_to_box gives it: leftmost and rightmost columns, top and
// bottom rows of the mask's pixels.
Box tight_box(const cv::Mat& mask);

// The iterative mode's next click. The comment in prompt.cc gives the rule.
struct Click {
  cv::Point2d point;
  int label = kPositive;
};
std::optional<Click> corrective_click(const cv::Mat& prediction, const cv::Mat& truth);

}  // namespace sambench
