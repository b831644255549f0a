#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "sambench/instances.h"

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

// Derives the prompt for one ground-truth instance. Rules are named in configs.
class PromptRule {
 public:
  virtual ~PromptRule() = default;
  virtual Prompt make(const Instance& instance) const = 0;
  // One sentence recorded in summary.json, so a reader knows exactly what was fed to SAM.
  virtual std::string describe() const = 0;
};

std::unique_ptr<PromptRule> make_prompt_rule(const std::string& name);
std::vector<std::string> prompt_rule_names();

// Centre of mass of the mask's pixels; the study's prompt. It can lie outside the object.
cv::Point2d centroid(const cv::Mat& mask);

// Whether the pixel that contains point p (rounded to the nearest pixel centre) is in the mask.
bool contains(const cv::Mat& mask, cv::Point2d p);

}  // namespace sambench
