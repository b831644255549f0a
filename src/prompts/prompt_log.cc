#include "sambench/prompts/prompt_log.h"

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
      if (prompt.labels.size() != prompt.points.size()) throw Error("points and labels differ in number");
      const json& box = line.at("box");
      if (!box.is_null()) {
        prompt.box = Box{{box.at(0).get<double>(), box.at(1).get<double>()},
                         {box.at(2).get<double>(), box.at(3).get<double>()}};
      }
      if (!prompts.emplace(key, prompt).second) throw Error("the same instance and mode appear twice");
    } catch (const std::exception& e) {
      throw Error(file, "line " + std::to_string(number) + ": " + first_line(e.what()));
    }
  }
  return prompts;
}

}  // namespace sambench
