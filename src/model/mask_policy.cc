#include "sambench/model/mask_policy.h"

#include "sambench/base/error.h"

namespace sambench {

std::string profile_mask_policy(MaskOutput mask_output) {
  return mask_output == MaskOutput::kSingle ? "single" : "best_score";
}

MaskPolicy parse_mask_policy(const std::string& name) {
  if (name == "best_score") return MaskPolicy::kBestScore;
  if (name == "single") return MaskPolicy::kSingle;
  if (name == "oracle") return MaskPolicy::kOracle;
  throw Error("mask_policy: unknown policy '" + name + "' (known: best_score, single, oracle)");
}

std::string describe(MaskPolicy policy) {
  switch (policy) {
    case MaskPolicy::kBestScore:
      return "best_score: of the three multimask outputs (decoder tokens 1..3), the one with the "
             "highest predicted IoU; ties go to the lowest index";
    case MaskPolicy::kSingle:
      return "single: the single-mask output (decoder token 0)";
    case MaskPolicy::kOracle:
      return "oracle: of the three multimask outputs, the one with the highest IoU against the "
             "ground truth at full resolution (an upper bound, not a usable policy); ties go to "
             "the lowest index";
  }
  return "";
}

int choose_mask(const float* scores, int n, MaskPolicy policy) {
  if (policy == MaskPolicy::kSingle || n <= 1) return 0;
  int best = 1;
  for (int i = 2; i < n; ++i) {
    if (scores[i] > scores[best]) best = i;
  }
  return best;
}

}  // namespace sambench
