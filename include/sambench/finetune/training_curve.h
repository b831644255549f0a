#pragma once

#include <filesystem>
#include <vector>

#include "sambench/finetune/finetune.h"

namespace sambench {

// Draws training loss (left axis) and validation Dice (right axis, 0..1) against the epoch as a
// PNG, with OpenCV's drawing functions so that no plotting package is needed. Missing values
// (NaN) leave gaps.
void write_training_curve(const std::filesystem::path& png, const std::vector<EpochRecord>& log);

}  // namespace sambench
