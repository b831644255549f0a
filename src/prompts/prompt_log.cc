#include "sambench/prompts/prompt_log.h"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"

namespace sambench {

using nlohmann::json;

namespace {

constexpr size_t kMaxPromptLogBytes = size_t{4} << 30;

}  // namespace

std::string prompt_line(const PromptKey& key, const std::string& class_name, const Prompt& prompt) {
  json points = json::array();
  for (const auto& p : prompt.points) points.push_back({p.x, p.y});
  json box = nullptr;
  if (prompt.box) {
    box = {prompt.box->top_left.x, prompt.box->top_left.y, prompt.box->bottom_right.x,
           prompt.box->bottom_right.y};
  }
  json line = {{"image", key.image},       {"class_label", key.class_label}, {"class", class_name},
               {"instance", key.instance}, {"mode", key.mode},               {"points", points},
               {"labels", prompt.labels},  {"box", box}};
  return line.dump();
}

namespace {

std::string point_text(const cv::Point2d& p) {
  return "(" + json(p.x).dump() + ", " + json(p.y).dump() + ")";
}

bool finite(const cv::Point2d& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// What a prompt must be whatever its image: points labelled positive or negative, finite
// coordinates, a box whose corners are in order, and something to prompt with.
void check_prompt_shape(const Prompt& prompt) {
  if (prompt.labels.size() != prompt.points.size()) throw Error("points and labels differ in number");
  if (prompt.points.empty() && !prompt.box) throw Error("the prompt has neither points nor a box");
  for (size_t i = 0; i < prompt.points.size(); ++i) {
    if (!finite(prompt.points[i])) throw Error("point " + point_text(prompt.points[i]) + " is not finite");
    if (prompt.labels[i] != kPositive && prompt.labels[i] != kNegative) {
      throw Error("label " + std::to_string(prompt.labels[i]) + " is neither 1 (positive) nor 0 (negative)");
    }
  }
  if (prompt.box) {
    const Box& box = *prompt.box;
    if (!finite(box.top_left) || !finite(box.bottom_right)) throw Error("the box is not finite");
    if (box.top_left.x > box.bottom_right.x || box.top_left.y > box.bottom_right.y) {
      throw Error("the box " + point_text(box.top_left) + "-" + point_text(box.bottom_right) +
                  " is inverted (expected x0 <= x1 and y0 <= y1)");
    }
  }
}

bool inside(const cv::Point2d& p, const cv::Size& size) {
  return p.x >= 0 && p.y >= 0 && p.x <= size.width && p.y <= size.height;
}

}  // namespace

void check_prompt_fits(const Prompt& prompt, const cv::Size& image_size, const std::string& where) {
  const std::string size = std::to_string(image_size.width) + "x" + std::to_string(image_size.height);
  for (const auto& p : prompt.points) {
    if (!inside(p, image_size)) throw Error(where + ": point " + point_text(p) + " is outside the " + size + " image");
  }
  if (prompt.box && (!inside(prompt.box->top_left, image_size) || !inside(prompt.box->bottom_right, image_size))) {
    throw Error(where + ": the box " + point_text(prompt.box->top_left) + "-" + point_text(prompt.box->bottom_right) +
                " is outside the " + size + " image");
  }
}

std::map<PromptKey, Prompt> read_prompt_log(const std::filesystem::path& file, int max_points) {
  std::istringstream in(read_regular_file(file, kMaxPromptLogBytes, Symlinks::kFollow));
  std::map<PromptKey, Prompt> prompts;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.empty()) continue;
    try {
      json line = json::parse(text);
      PromptKey key{line.at("image").get<std::string>(), line.at("class_label").get<int>(),
                    line.at("instance").get<int>(), line.at("mode").get<std::string>()};
      Prompt prompt;
      const json& points = line.at("points");
      if (points.size() > static_cast<size_t>(max_points)) {
        throw Error("a prompt of " + std::to_string(points.size()) + " points, over the limit of " +
                    std::to_string(max_points) + " (raise replay_max_points if it is meant)");
      }
      for (const auto& p : points) prompt.points.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
      prompt.labels = line.at("labels").get<std::vector<int>>();
      const json& box = line.at("box");
      if (!box.is_null()) {
        if (!box.is_array() || box.size() != 4) throw Error("the box must be [x0, y0, x1, y1] or null");
        prompt.box = Box{{box.at(0).get<double>(), box.at(1).get<double>()},
                         {box.at(2).get<double>(), box.at(3).get<double>()}};
      }
      check_prompt_shape(prompt);
      if (!prompts.emplace(key, prompt).second) throw Error("the same instance and mode appear twice");
    } catch (const std::exception& e) {
      throw Error(file, "line " + std::to_string(number) + ": " + first_line(e.what()));
    }
  }
  return prompts;
}

}  // namespace sambench
