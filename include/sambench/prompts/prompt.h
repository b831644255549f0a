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
#include "sambench/prompts/mask_geometry.h"

namespace sambench {

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

}  // namespace sambench
