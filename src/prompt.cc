#include "sambench/prompt.h"

#include <cmath>
#include <map>

#include <opencv2/imgproc.hpp>

#include "sambench/error.h"

namespace sambench {

namespace {

class CentroidRule : public PromptRule {
 public:
  Prompt make(const Instance& instance) const override {
    return Prompt{{centroid(instance.mask)}, {kPositive}, std::nullopt};
  }
  std::string describe() const override {
    return "centroid: one positive point at the centre of mass of the instance's pixels "
           "(x = mean column, y = mean row, pixel-centre coordinates); it may fall outside the "
           "instance";
  }
};

using RuleFactory = std::unique_ptr<PromptRule> (*)();

const std::map<std::string, RuleFactory>& rules() {
  static const std::map<std::string, RuleFactory> table = {
      {"centroid", [] { return std::unique_ptr<PromptRule>(new CentroidRule); }},
  };
  return table;
}

}  // namespace

std::vector<std::string> prompt_rule_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : rules()) names.push_back(name);
  return names;
}

std::unique_ptr<PromptRule> make_prompt_rule(const std::string& name) {
  auto it = rules().find(name);
  if (it == rules().end()) {
    throw Error("prompt: unknown rule '" + name + "' (known: " + join(prompt_rule_names()) + ")");
  }
  return it->second();
}

cv::Point2d centroid(const cv::Mat& mask) {
  cv::Moments m = cv::moments(mask, /*binaryImage=*/true);
  if (m.m00 == 0) return {NAN, NAN};
  return {m.m10 / m.m00, m.m01 / m.m00};
}

bool contains(const cv::Mat& mask, cv::Point2d p) {
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
  // Pixel k covers [k - 0.5, k + 0.5): the nearest pixel centre, halves rounding up.
  int col = static_cast<int>(std::floor(p.x + 0.5));
  int row = static_cast<int>(std::floor(p.y + 0.5));
  if (row < 0 || col < 0 || row >= mask.rows || col >= mask.cols) return false;
  return mask.at<uchar>(row, col) != 0;
}

}  // namespace sambench
