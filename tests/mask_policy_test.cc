#include "sambench/model/mask_policy.h"

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(ChooseMask, BestScoreIgnoresTheSingleMaskOutput) {
  float scores[] = {0.99f, 0.2f, 0.7f, 0.5f};  // index 0 is highest but is not a multimask output
  EXPECT_EQ(choose_mask(scores, 4, MaskPolicy::kBestScore), 2);
}

TEST(ChooseMask, TiesGoToTheLowestIndex) {
  float scores[] = {0.0f, 0.6f, 0.6f, 0.6f};
  EXPECT_EQ(choose_mask(scores, 4, MaskPolicy::kBestScore), 1);
  float later[] = {0.0f, 0.1f, 0.6f, 0.6f};
  EXPECT_EQ(choose_mask(later, 4, MaskPolicy::kBestScore), 2);
}

TEST(ChooseMask, SingleTakesIndexZero) {
  float scores[] = {0.1f, 0.9f, 0.9f, 0.9f};
  EXPECT_EQ(choose_mask(scores, 4, MaskPolicy::kSingle), 0);
}

TEST(MaskPolicy, ParsesNames) {
  EXPECT_EQ(parse_mask_policy("best_score"), MaskPolicy::kBestScore);
  EXPECT_EQ(parse_mask_policy("single"), MaskPolicy::kSingle);
  EXPECT_ANY_THROW(parse_mask_policy("best"));
}

}  // namespace
}  // namespace sambench
