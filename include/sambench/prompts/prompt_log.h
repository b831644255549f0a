#pragma once

// prompts.jsonl: every prompt a run fed to SAM, one JSON object per line, so that another model
// can be evaluated on exactly the same prompts (--prompts FILE replays them).

#include <filesystem>
#include <map>
#include <string>
#include <tuple>

#include "sambench/prompts/prompt.h"

namespace sambench {

struct PromptKey {
  std::string image;
  int class_label = 0;
  int instance = 0;
  std::string mode;
  bool operator<(const PromptKey& o) const {
    return std::tie(image, class_label, instance, mode) < std::tie(o.image, o.class_label, o.instance, o.mode);
  }
};

// One line (without the newline). Coordinates are written in full precision, so a replay is exact.
std::string prompt_line(const PromptKey& key, const std::string& class_name, const Prompt& prompt);

// Reads a prompts.jsonl; throws Error naming the file and line on a malformed entry: points and
// labels differing in number, a label other than 0 or 1, a coordinate that is not finite, an
// inverted box, neither points nor a box, or more than `max_points` points (replay_max_points).
// The file may come from someone else: a FIFO, device or symlink in its place is refused.
std::map<PromptKey, Prompt> read_prompt_log(const std::filesystem::path& file, int max_points = 256);

// A replayed prompt against its image: throws Error("<where>: point … is outside the WxH image")
// when a point or a box corner lies outside [0, width] x [0, height].
void check_prompt_fits(const Prompt& prompt, const cv::Size& image_size, const std::string& where);

}  // namespace sambench
