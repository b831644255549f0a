#pragma once

// The dataset of a finished run, read again by `rescore` (the ground truth) and `report` (the
// overlays). Its summary.json names the dataset root, and whoever made the run folder wrote it:
// a run folder from someone else could point sambench at a private folder of yours and have
// its images drawn into a shared place. So the root must be one the user confirms.

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/data/config.h"
#include "sambench/data/dataset.h"

namespace sambench {

// The config that `summary` (run_dir's summary.json) recorded, reading its dataset from
// `dataset_root` when given (the user's --dataset-root), else from the recorded root, but only
// when the user owns the run folder and its summary.json (a run of their own). Throws Error
// naming summary.json and asking for --dataset-root otherwise.
Config confirmed_run_config(const std::filesystem::path& run_dir, const nlohmann::json& summary,
                            const std::filesystem::path& dataset_root);

// Throws Error naming the file when a listed image, mask or field-of-view file lies outside the
// confirmed root (a recorded "images: ../../elsewhere" would lead there).
void check_inside_root(const Config& config, const std::vector<SampleRef>& samples);

}  // namespace sambench
