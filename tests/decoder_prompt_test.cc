#include "sambench/prompts/decoder_prompt.h"

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(ToDecoderPrompt, PointsGetSamPredictorsPaddingPoint) {
  ResizeTransform t = longest_side_transform(480, 640, 1024);
  Prompt p{{{100.0, 50.0}}, {kPositive}, std::nullopt};
  DecoderPrompt d = to_decoder_prompt(p, t, sam_profile());
  ASSERT_EQ(d.size(), 2);
  EXPECT_EQ(d.coords, (std::vector<float>{160.f, 80.f, 0.f, 0.f}));
  EXPECT_EQ(d.labels, (std::vector<float>{1.f, -1.f}));
}

// SamPredictor with neither points nor a box gives the prompt encoder nothing: no padding point.
TEST(ToDecoderPrompt, NoPromptIsNoPoints) {
  DecoderPrompt d = to_decoder_prompt(Prompt{}, longest_side_transform(480, 640, 1024), sam_profile());
  EXPECT_EQ(d.size(), 0);
  EXPECT_TRUE(d.coords.empty());
}

TEST(ToDecoderPrompt, BoxCornersComeLastWithoutPadding) {
  ResizeTransform t = longest_side_transform(512, 512, 1024);
  Prompt p{{{10.0, 20.0}}, {kNegative}, Box{{1.0, 2.0}, {4.0, 6.0}}};
  DecoderPrompt d = to_decoder_prompt(p, t, sam_profile());
  EXPECT_EQ(d.coords, (std::vector<float>{20.f, 40.f, 2.f, 4.f, 8.f, 12.f}));
  EXPECT_EQ(d.labels, (std::vector<float>{0.f, 2.f, 3.f}));
}

// MedSAM: a box in the square frame, x / W * 1024 and y / H * 1024 as MedSAM_Inference.py maps it.
TEST(ToDecoderPrompt, SquareFrameScalesEachAxisToTheInputSize) {
  ResizeTransform t = square_transform(300, 500, 1024);
  Prompt p{{}, {}, Box{{50.0, 30.0}, {450.0, 270.0}}};
  DecoderPrompt d = to_decoder_prompt(p, t, sam_profile());
  EXPECT_EQ(d.coords, (std::vector<float>{102.4f, 102.4f, 921.6f, 921.6f}));
  EXPECT_EQ(d.labels, (std::vector<float>{2.f, 3.f}));
}

// SAM 2.1's order: box corners first, then the points, and a padding point even with a box.
TEST(ToDecoderPrompt, BoxFirstAndAlwaysPadded) {
  ModelProfile profile = sam_profile();
  profile.box_position = BoxPosition::kFirst;
  profile.pad_point = PadPoint::kAlways;
  ResizeTransform t = longest_side_transform(512, 512, 1024);
  Prompt p{{{10.0, 20.0}}, {kPositive}, Box{{1.0, 2.0}, {4.0, 6.0}}};
  DecoderPrompt d = to_decoder_prompt(p, t, profile);
  EXPECT_EQ(d.coords, (std::vector<float>{2.f, 4.f, 8.f, 12.f, 20.f, 40.f, 0.f, 0.f}));
  EXPECT_EQ(d.labels, (std::vector<float>{2.f, 3.f, 1.f, -1.f}));
  EXPECT_EQ(to_decoder_prompt(Prompt{}, t, profile).size(), 0);
}

}  // namespace
}  // namespace sambench
