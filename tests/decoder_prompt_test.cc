#include "sambench/prompts/decoder_prompt.h"

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(ToDecoderPrompt, PointsGetSamPredictorsPaddingPoint) {
  ResizeTransform t = longest_side_transform(480, 640, 1024);
  Prompt p{{{100.0, 50.0}}, {kPositive}, std::nullopt};
  DecoderPrompt d = to_decoder_prompt(p, t);
  ASSERT_EQ(d.size(), 2);
  EXPECT_EQ(d.coords, (std::vector<float>{160.f, 80.f, 0.f, 0.f}));
  EXPECT_EQ(d.labels, (std::vector<float>{1.f, -1.f}));
}

// SamPredictor with neither points nor a box gives the prompt encoder nothing: no padding point.
TEST(ToDecoderPrompt, NoPromptIsNoPoints) {
  DecoderPrompt d = to_decoder_prompt(Prompt{}, longest_side_transform(480, 640, 1024));
  EXPECT_EQ(d.size(), 0);
  EXPECT_TRUE(d.coords.empty());
}

TEST(ToDecoderPrompt, BoxCornersComeLastWithoutPadding) {
  ResizeTransform t = longest_side_transform(512, 512, 1024);
  Prompt p{{{10.0, 20.0}}, {kNegative}, Box{{1.0, 2.0}, {4.0, 6.0}}};
  DecoderPrompt d = to_decoder_prompt(p, t);
  EXPECT_EQ(d.coords, (std::vector<float>{20.f, 40.f, 2.f, 4.f, 8.f, 12.f}));
  EXPECT_EQ(d.labels, (std::vector<float>{0.f, 2.f, 3.f}));
}

}  // namespace
}  // namespace sambench
