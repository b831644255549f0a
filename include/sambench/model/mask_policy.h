#pragma once

#include <string>
#include <vector>

#include "sambench/model/model_profile.h"

namespace sambench {

// Which of SAM's mask outputs is kept for a prompt.
enum class MaskPolicy {
  kBestScore,  // highest predicted IoU among the multimask outputs 1..3 (the study's policy)
  kSingle,     // the single-mask output, index 0
  kOracle,     // the multimask output with the best IoU against the ground truth: an upper bound
};

MaskPolicy parse_mask_policy(const std::string& name);

// The policy that keeps what the model's own pipeline keeps (model_profile.h's mask_output):
// "best_score" for multimask, "single" for the single-mask output.
std::string profile_mask_policy(MaskOutput mask_output);
std::string describe(MaskPolicy policy);

// Index of the kept output given one prompt's predicted IoUs (all outputs, 0..n-1). Ties go to
// the lowest index, so the choice is deterministic. kOracle needs the ground truth: the caller
// passes the outputs' true IoUs as `scores`.
int choose_mask(const float* scores, int n, MaskPolicy policy);

}  // namespace sambench
