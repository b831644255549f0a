// The masks' tensor path (mask_tensors.h, run/device_overlap.h) against the host path it
// replaced: the reference below is that path as it was (LibTorch's bilinear calls copied to
// cv::Mats, OpenCV's threshold, overlap(), the oracle over them), and the tensor path must give
// its bits.

#include <cstring>
#include <cmath>
#include <limits>
#include <random>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "run/device_overlap.h"
#include "sambench/model/mask_policy.h"
#include "sambench/model/mask_tensors.h"
#include "sambench/model/postprocess.h"

namespace sambench {
namespace {

constexpr int kLowRes = 256;

// ---- The host path as it was before the tensor path -------------------------------------

at::Tensor reference_upscale(const at::Tensor& low_res, const ResizeTransform& t) {
  const std::vector<int64_t> image_size = {t.orig_h, t.orig_w};
  switch (t.upscale) {
    case UpscaleRule::kDirect:
      return at::upsample_bilinear2d(low_res, image_size, false).contiguous();
    case UpscaleRule::kDirectSigmoid:
      return at::logit(at::upsample_bilinear2d(at::sigmoid(low_res), image_size, false)).contiguous();
    case UpscaleRule::kViaInput:
      break;
  }
  at::Tensor x = at::upsample_bilinear2d(low_res, {t.target, t.target}, false);
  x = x.slice(2, 0, t.new_h).slice(3, 0, t.new_w);
  return at::upsample_bilinear2d(x, image_size, false).contiguous();
}

cv::Mat reference_channel(const at::Tensor& x, int c, const ResizeTransform& t) {
  cv::Mat out(t.orig_h, t.orig_w, CV_32F);
  std::memcpy(out.data, x[0][c].data_ptr<float>(), sizeof(float) * out.total());
  return out;
}

cv::Mat reference_alone(const float* low_res, const ResizeTransform& t) {
  at::Tensor x = at::from_blob(const_cast<float*>(low_res), {1, 1, kLowRes, kLowRes}, at::kFloat);
  return reference_channel(reference_upscale(x, t), 0, t);
}

std::vector<cv::Mat> reference_grouped(const std::vector<const float*>& low_res, const ResizeTransform& t) {
  const size_t plane = static_cast<size_t>(kLowRes) * kLowRes;
  std::vector<cv::Mat> out;
  for (size_t begin = 0; begin < low_res.size(); begin += 3) {
    const size_t n = std::min<size_t>(3, low_res.size() - begin);
    at::Tensor x = at::empty({1, static_cast<int64_t>(std::max<size_t>(n, 2)), kLowRes, kLowRes}, at::kFloat);
    for (int64_t c = 0; c < x.size(1); ++c) {
      std::memcpy(x[0][c].data_ptr<float>(), low_res[begin + std::min<size_t>(c, n - 1)], sizeof(float) * plane);
    }
    at::Tensor up = reference_upscale(x, t);
    for (size_t c = 0; c < n; ++c) out.push_back(reference_channel(up, static_cast<int>(c), t));
  }
  return out;
}

cv::Mat reference_threshold(const cv::Mat& logits, float threshold) { return (logits > threshold) / 255; }

int reference_oracle(const std::vector<std::vector<float>>& outputs, const ResizeTransform& t, const cv::Mat& truth,
                     float threshold) {
  std::vector<const float*> maps;
  for (size_t k = 1; k < outputs.size(); ++k) maps.push_back(outputs[k].data());
  const std::vector<cv::Mat> logits = reference_grouped(maps, t);
  std::vector<float> ious(outputs.size(), -1.0f);
  for (size_t k = 1; k < outputs.size(); ++k) {
    ious[k] = static_cast<float>(iou(overlap(reference_threshold(logits[k - 1], threshold), truth), EmptyRule::kNaN));
  }
  return choose_mask(ious.data(), static_cast<int>(outputs.size()), MaskPolicy::kOracle);
}

// ---- Inputs -----------------------------------------------------------------------------

// Logits of a blob with noise: masks with edges, interiors and scattered pixels.
std::vector<float> random_logits(unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 4.0f);
  std::uniform_real_distribution<float> where(40.0f, 216.0f), radius(10.0f, 90.0f);
  const float cx = where(rng), cy = where(rng), r = radius(rng);
  std::vector<float> out(static_cast<size_t>(kLowRes) * kLowRes);
  for (int y = 0; y < kLowRes; ++y) {
    for (int x = 0; x < kLowRes; ++x) {
      out[static_cast<size_t>(y) * kLowRes + x] = (r - std::hypot(x - cx, y - cy)) / 4.0f + noise(rng);
    }
  }
  return out;
}

// Image sizes: odd, one pixel wide or high, wider and taller than the frame, 6000x4500 reduced.
const std::vector<cv::Size> kSizes = {{517, 333}, {1, 300}, {257, 1}, {1025, 1023}, {900, 675}, {64, 48}};

std::vector<ResizeTransform> transforms(cv::Size size) {
  ResizeTransform via = longest_side_transform(size.height, size.width, 1024);
  ResizeTransform direct = square_transform(size.height, size.width, 1024);
  direct.upscale = UpscaleRule::kDirect;
  ResizeTransform sigmoid = direct;
  sigmoid.upscale = UpscaleRule::kDirectSigmoid;
  return {via, direct, sigmoid};
}

at::Tensor stacked(const std::vector<std::vector<float>>& maps) {
  std::vector<at::Tensor> planes;
  for (const auto& m : maps) planes.push_back(at::from_blob(const_cast<float*>(m.data()), {kLowRes, kLowRes}));
  return at::stack(planes);
}

std::vector<at::Tensor> planes_of(const at::Tensor& maps) {
  std::vector<at::Tensor> out;
  for (int64_t i = 0; i < maps.size(0); ++i) out.push_back(maps[i]);
  return out;
}

bool same_bits(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && std::memcmp(a.data, b.data, a.total() * a.elemSize()) == 0;
}

cv::Mat to_float_mat(const at::Tensor& map) {
  const at::Tensor host = map.to(at::kCPU).contiguous();
  cv::Mat out(static_cast<int>(host.size(0)), static_cast<int>(host.size(1)), CV_32F);
  std::memcpy(out.data, host.data_ptr<float>(), sizeof(float) * out.total());
  return out;
}

cv::Mat to_mask_mat(const at::Tensor& mask) {
  const at::Tensor host = mask.to(at::kCPU).contiguous();
  cv::Mat out(static_cast<int>(host.size(0)), static_cast<int>(host.size(1)), CV_8U);
  std::memcpy(out.data, host.data_ptr<bool>(), out.total());
  return out;
}

// ---- The tensor path equals the host path, bit for bit ----------------------------------

TEST(MaskTensors, UpscaleAndThresholdGiveTheHostPathsBits) {
  c10::InferenceMode guard;
  for (size_t count : {1, 2, 4}) {
    std::vector<std::vector<float>> maps;
    for (size_t i = 0; i < count; ++i) maps.push_back(random_logits(static_cast<unsigned>(100 * count + i)));
    std::vector<const float*> pointers;
    for (const auto& m : maps) pointers.push_back(m.data());
    for (cv::Size size : kSizes) {
      for (const ResizeTransform& t : transforms(size)) {
        SCOPED_TRACE(std::to_string(count) + " maps, " + std::to_string(size.width) + "x" +
                     std::to_string(size.height) + ", rule " + std::to_string(static_cast<int>(t.upscale)));
        const std::vector<cv::Mat> grouped = reference_grouped(pointers, t);
        const std::vector<at::Tensor> up = upscale_maps(stacked(maps), t, UpscaleCall::kGrouped);
        const std::vector<cv::Mat> masks = host_masks(planes_of(stacked(maps)), t, UpscaleCall::kGrouped, 0.0f);
        const std::vector<cv::Mat> alone = host_masks(planes_of(stacked(maps)), t, UpscaleCall::kAlone, 0.0f);
        ASSERT_EQ(up.size(), count);
        ASSERT_EQ(masks.size(), count);
        for (size_t i = 0; i < count; ++i) {
          EXPECT_TRUE(same_bits(to_float_mat(up[i]), grouped[i])) << "map " << i;
          EXPECT_TRUE(same_bits(masks[i], reference_threshold(grouped[i], 0.0f))) << "map " << i;
          const cv::Mat single = reference_alone(maps[i].data(), t);
          EXPECT_TRUE(same_bits(alone[i], reference_threshold(single, 0.0f))) << "map " << i;
          // The host forms (postprocess.h) are the tensor path too.
          EXPECT_TRUE(same_bits(upscale_logits(maps[i].data(), kLowRes, t), single)) << "map " << i;
        }
        const std::vector<cv::Mat> host_grouped = upscale_logits(pointers, kLowRes, t);
        for (size_t i = 0; i < count; ++i) EXPECT_TRUE(same_bits(host_grouped[i], grouped[i])) << "map " << i;
      }
    }
  }
}

TEST(MaskTensors, ThresholdOfAnyMatIsStrictAndZeroOne) {
  cv::Mat logits(40, 60, CV_32F);
  cv::randn(logits, 0.0, 1.0);
  logits.at<float>(3, 4) = 0.25f;
  logits.at<float>(3, 5) = 0.25f;
  logits.at<float>(5, 5) = std::numeric_limits<float>::quiet_NaN();
  const cv::Mat roi = logits(cv::Rect(7, 3, 31, 17));  // not continuous
  for (float threshold : {0.0f, 0.25f, -1.5f}) {
    EXPECT_TRUE(same_bits(threshold_logits(logits, threshold), reference_threshold(logits, threshold)));
    EXPECT_TRUE(same_bits(threshold_logits(roi, threshold), reference_threshold(roi, threshold)));
  }
}

cv::Mat random_mask(cv::Size size, unsigned seed, double fill) {
  cv::Mat noise(size, CV_32F);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::UNIFORM, 0.0, 1.0);
  cv::GaussianBlur(noise, noise, cv::Size(5, 5), 0);
  return (noise < fill) / 255;
}

at::Tensor bool_tensor(const cv::Mat& mask) {
  return at::from_blob(mask.data, {mask.rows, mask.cols}, at::kByte).ne(0);
}

TEST(MaskTensors, OverlapCountsEqualOverlap) {
  c10::InferenceMode guard;
  for (cv::Size size : kSizes) {
    for (unsigned seed = 0; seed < 3; ++seed) {
      const cv::Mat truth = random_mask(size, seed, 0.5);
      std::vector<cv::Mat> masks = {random_mask(size, seed + 10, 0.5), random_mask(size, seed + 20, 0.1),
                                    cv::Mat::zeros(size, CV_8U), cv::Mat::ones(size, CV_8U), truth.clone()};
      std::vector<at::Tensor> tensors;
      for (const cv::Mat& m : masks) tensors.push_back(bool_tensor(m));
      Instance instance;
      instance.mask = truth;
      const std::vector<Overlap> counts = overlap_counts(tensors, truth_tensor(instance, size, at::kCPU));
      ASSERT_EQ(counts.size(), masks.size());
      for (size_t i = 0; i < masks.size(); ++i) {
        const Overlap expected = overlap(masks[i], truth);
        EXPECT_EQ(counts[i].prediction, expected.prediction);
        EXPECT_EQ(counts[i].truth, expected.truth);
        EXPECT_EQ(counts[i].intersection, expected.intersection);
      }
    }
  }
  EXPECT_TRUE(overlap_counts({}, at::zeros({2, 2}, at::kBool)).empty());
}

TEST(MaskTensors, TruthTensorTakesAnyNonZeroAsForeground) {
  Instance instance;
  instance.mask = (cv::Mat_<uchar>(2, 3) << 0, 1, 255, 7, 0, 0);
  const at::Tensor truth = truth_tensor(instance, cv::Size(3, 2), at::kCPU);
  EXPECT_TRUE(same_bits(to_mask_mat(truth), (instance.mask != 0) / 255));
}

DeviceDecode random_decode(int batch, int masks, unsigned seed) {
  DeviceDecode d;
  d.batch = batch;
  d.masks = masks;
  d.size = kLowRes;
  std::vector<at::Tensor> outputs;
  for (int i = 0; i < batch * masks; ++i) {
    const std::vector<float> m = random_logits(seed + static_cast<unsigned>(i));
    outputs.push_back(at::from_blob(const_cast<float*>(m.data()), {kLowRes, kLowRes}).clone());
    d.iou.push_back(0.5f);
  }
  d.logits = at::stack(outputs).reshape({batch, masks, kLowRes, kLowRes});
  return d;
}

std::vector<std::vector<float>> outputs_of(const DeviceDecode& d, int p) {
  std::vector<std::vector<float>> out;
  for (int k = 0; k < d.masks; ++k) {
    const at::Tensor m = d.logits[p][k].contiguous();
    out.emplace_back(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
  }
  return out;
}

TEST(MaskTensors, OracleChoosesAsTheHostPath) {
  c10::InferenceMode guard;
  int chosen_other_than_first = 0;
  for (cv::Size size : kSizes) {
    for (const ResizeTransform& t : transforms(size)) {
      const DeviceDecode decoded = random_decode(2, 4, static_cast<unsigned>(size.width * 7 + size.height));
      for (int p = 0; p < decoded.batch; ++p) {
        // The truth: one of the outputs' own masks, a shifted copy, so that IoUs differ.
        cv::Mat truth = reference_threshold(reference_alone(outputs_of(decoded, p)[1 + p].data(), t), 0.0f);
        Instance instance;
        instance.mask = truth;
        const int expected = reference_oracle(outputs_of(decoded, p), t, truth, 0.0f);
        EXPECT_EQ(oracle_choice(decoded, p, t, truth_tensor(instance, size, at::kCPU), 0.0f, EmptyRule::kNaN),
                  expected);
        chosen_other_than_first += expected != 1;
      }
    }
  }
  EXPECT_GT(chosen_other_than_first, 0);  // the choice is not always the first output
}

// ---- The same checks on a CUDA device, where there is one ---------------------------------

TEST(MaskTensors, OnCudaTheMasksStayThereAndCountAsOnTheHost) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device: the device path ran on CPU tensors only";
  c10::InferenceMode guard;
  const at::Device cuda(at::kCUDA, 0);
  std::vector<std::vector<float>> maps;
  for (unsigned i = 0; i < 4; ++i) maps.push_back(random_logits(500 + i));
  for (cv::Size size : kSizes) {
    for (const ResizeTransform& t : transforms(size)) {
      const at::Tensor on_device = stacked(maps).to(cuda);
      const std::vector<at::Tensor> up = upscale_maps(on_device, t, UpscaleCall::kGrouped);
      const std::vector<at::Tensor> up_cpu = upscale_maps(stacked(maps), t, UpscaleCall::kGrouped);
      const cv::Mat truth = reference_threshold(to_float_mat(up_cpu[0]), 0.0f);
      Instance instance;
      instance.mask = truth;
      const at::Tensor truth_on_device = truth_tensor(instance, size, cuda);
      ASSERT_TRUE(truth_on_device.is_cuda());
      std::vector<at::Tensor> masks;
      for (size_t i = 0; i < up.size(); ++i) {
        ASSERT_TRUE(up[i].is_cuda());
        // CUDA's bilinear kernel may differ from the CPU's in the last bits.
        EXPECT_LE(cv::norm(to_float_mat(up[i]), to_float_mat(up_cpu[i]), cv::NORM_INF), 1e-3);
        masks.push_back(threshold_maps(up[i], 0.0f));
        EXPECT_TRUE(same_bits(host_mask(up[i], 0.0f), reference_threshold(to_float_mat(up[i]), 0.0f)));
      }
      const std::vector<Overlap> counts = overlap_counts(masks, truth_on_device);
      for (size_t i = 0; i < masks.size(); ++i) {
        const Overlap expected = overlap(to_mask_mat(masks[i]), truth);
        EXPECT_EQ(counts[i].prediction, expected.prediction);
        EXPECT_EQ(counts[i].truth, expected.truth);
        EXPECT_EQ(counts[i].intersection, expected.intersection);
      }
      DeviceDecode decoded = random_decode(1, 4, 900);
      const at::Tensor cpu_truth = truth_tensor(instance, size, at::kCPU);
      const int on_cpu = oracle_choice(decoded, 0, t, cpu_truth, 0.0f, EmptyRule::kNaN);
      decoded.logits = decoded.logits.to(cuda);
      EXPECT_EQ(oracle_choice(decoded, 0, t, truth_on_device, 0.0f, EmptyRule::kNaN), on_cpu);
    }
  }
}

}  // namespace
}  // namespace sambench
