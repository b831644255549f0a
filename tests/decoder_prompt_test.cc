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

// The point (23/7, 25/7) of a 333 x 250 image in the square frame, as each official pipeline maps
// it (values printed by PyTorch 1.13 and numpy): SAM2Transforms.transform_coords computes on a
// float32 tensor, x / w * 1024 each step in float32; MedSAM_Inference.py computes in float64
// numpy, then casts to float32. They differ in x's last bit.
TEST(ToDecoderPrompt, Sam2MapsPointsInFloat32AndMedsamInFloat64) {
  ModelProfile sam2 = sam_profile();
  sam2.resize = ResizeRule::kSquare;
  sam2.resize_filter = ResizeFilter::kTorchBilinearAa;
  sam2.value_range = 1;
  ModelProfile medsam = sam_profile();
  medsam.resize = ResizeRule::kSquare;
  medsam.resize_filter = ResizeFilter::kSkimageCubicAaUint8;
  const Prompt p{{{23.0 / 7, 25.0 / 7}}, {kPositive}, std::nullopt};
  const DecoderPrompt official2 = to_decoder_prompt(p, model_transform(sam2, 250, 333), sam2);
  const DecoderPrompt medsam_prompt = to_decoder_prompt(p, model_transform(medsam, 250, 333), medsam);
  EXPECT_EQ(official2.coords[0], 10.103818893432617f);
  EXPECT_EQ(official2.coords[1], 14.628571510314941f);
  EXPECT_EQ(medsam_prompt.coords[0], 10.1038179397583f);
  EXPECT_EQ(medsam_prompt.coords[1], 14.628571510314941f);
}

// SamPredictor's ResizeLongestSide.apply_coords: float64 numpy, coords * (new_w / old_w).
TEST(ToDecoderPrompt, SamMapsPointsInFloat64) {
  const Prompt p{{{23.0 / 7, 25.0 / 7}}, {kPositive}, std::nullopt};
  const ResizeTransform t = model_transform(sam_profile(), 250, 333);
  const DecoderPrompt d = to_decoder_prompt(p, t, sam_profile());
  EXPECT_EQ(d.coords[0], static_cast<float>(23.0 / 7 * (1024.0 / 333)));
  EXPECT_EQ(d.coords[1], static_cast<float>(25.0 / 7 * (769.0 / 250)));
  EXPECT_EQ(t.new_h, 769);
}

}  // namespace
}  // namespace sambench
