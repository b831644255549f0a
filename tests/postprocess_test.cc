#include "sambench/model/postprocess.h"

#include "sambench/model/mask_tensors.h"

#include <gtest/gtest.h>
#include <ATen/ATen.h>

namespace sambench {
namespace {

TEST(UpscaleLogits, ReturnsOriginalSize) {
  std::vector<float> low(256 * 256, 1.5f);
  ResizeTransform t = longest_side_transform(300, 500, 1024);
  cv::Mat up = upscale_logits(low.data(), 256, t);
  EXPECT_EQ(up.size(), cv::Size(500, 300));
  EXPECT_EQ(up.type(), CV_32F);
  EXPECT_FLOAT_EQ(up.at<float>(299, 499), 1.5f);
}

TEST(UpscaleLogits, CropsThePaddedRegionAway) {
  // A 512 x 256 (H x W) image fills the left half of the 1024 canvas, so low-res columns
  // 0..127 are the image and 128..255 are padding. Without the crop, the right half of the
  // result would come from the negative padding logits.
  std::vector<float> low(256 * 256);
  for (int r = 0; r < 256; ++r) {
    for (int c = 0; c < 256; ++c) low[r * 256 + c] = c < 128 ? 1.0f : -1.0f;
  }
  ResizeTransform t = longest_side_transform(512, 256, 1024);
  ASSERT_EQ(t.new_w, 512);
  cv::Mat mask = threshold_logits(upscale_logits(low.data(), 256, t), 0.0f);
  EXPECT_EQ(mask.size(), cv::Size(256, 512));
  // Bilinear blending reaches the crop edge only in the last column.
  EXPECT_EQ(cv::countNonZero(mask.colRange(0, 255)), 512 * 255);
}

// Seeded noise: a smooth map would hide kernel differences in the interpolation.
std::vector<float> noise_map(int size, unsigned seed) {
  cv::Mat m(size, size, CV_32F);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::NORMAL, 0.0, 5.0);
  return std::vector<float>(m.begin<float>(), m.end<float>());
}

TEST(UpscaleLogits, AMapHasTheSameBitsWhateverItsCompanions) {
  // The multimask outputs are upscaled in calls of up to three maps, a lone map beside a copy of
  // itself; the result must not depend on how the kept masks fall into calls.
  std::vector<std::vector<float>> maps;
  for (unsigned i = 0; i < 4; ++i) maps.push_back(noise_map(256, 7 + i));
  const ResizeTransform t = longest_side_transform(333, 517, 1024);
  std::vector<cv::Mat> four = upscale_logits({maps[0].data(), maps[1].data(), maps[2].data(), maps[3].data()}, 256, t);
  ASSERT_EQ(four.size(), 4u);
  std::vector<cv::Mat> pair = upscale_logits({maps[3].data(), maps[0].data()}, 256, t);
  std::vector<cv::Mat> alone = upscale_logits(std::vector<const float*>{maps[3].data()}, 256, t);
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].size(), cv::Size(517, 333));
  EXPECT_EQ(cv::norm(four[3], alone[0], cv::NORM_INF), 0.0);  // a lone map, and the 4th (second call)
  EXPECT_EQ(cv::norm(four[3], pair[0], cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(four[0], pair[1], cv::NORM_INF), 0.0);
  // The one-map call takes another kernel: the same values up to rounding.
  cv::Mat single = upscale_logits(maps[0].data(), 256, t);
  EXPECT_LE(cv::norm(four[0], single, cv::NORM_INF), 1e-4);
}

TEST(UpscaleLogits, NoMapsNoCall) {
  EXPECT_TRUE(upscale_logits(std::vector<const float*>{}, 256, longest_side_transform(10, 10, 1024)).empty());
}

TEST(ThresholdLogits, StrictlyGreater) {
  cv::Mat logits = (cv::Mat_<float>(1, 3) << -0.5f, 0.0f, 0.25f);
  cv::Mat mask = threshold_logits(logits, 0.0f);
  EXPECT_EQ(mask.type(), CV_8U);
  EXPECT_EQ(mask.at<uchar>(0, 0), 0);
  EXPECT_EQ(mask.at<uchar>(0, 1), 0);
  EXPECT_EQ(mask.at<uchar>(0, 2), 1);
}


// finetune's loss is taken on upscale_to_image of the decoder's token 0, with autograd on; for a
// "direct" profile (SAM 2.1) it must be eval's upscale of the same map, bit for bit, and not
// SAM's route through the 1024 input (which finetune once took for every model).
TEST(UpscaleToImage, DirectProfileGivesEvalsLogitsWithGradients) {
  ModelProfile sam2;
  sam2.resize = ResizeRule::kSquare;
  sam2.upscale = UpscaleRule::kDirect;
  const ResizeTransform t = model_transform(sam2, 300, 517);
  std::vector<float> map = noise_map(256, 11);
  at::Tensor low = at::from_blob(map.data(), {1, 1, 256, 256}).clone().requires_grad_(true);

  at::Tensor up = upscale_to_image(low, t);
  ASSERT_TRUE(up.requires_grad());
  ASSERT_EQ(up.sizes(), (std::vector<int64_t>{1, 1, 300, 517}));
  const cv::Mat eval = upscale_logits(map.data(), 256, t);
  const at::Tensor detached = up.detach().contiguous();
  const cv::Mat trained(300, 517, CV_32F, detached.data_ptr<float>());
  EXPECT_EQ(cv::norm(trained, eval, cv::NORM_INF), 0.0);

  ResizeTransform via_input = t;
  via_input.upscale = UpscaleRule::kViaInput;
  EXPECT_GT(cv::norm(upscale_logits(map.data(), 256, via_input), eval, cv::NORM_INF), 1e-3);

  up.sum().backward();
  EXPECT_GT(low.grad().abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace sambench
