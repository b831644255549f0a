#include "sambench/model/postprocess.h"

#include <algorithm>
#include <cstring>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

namespace sambench {

// [B, C, size, size] → [B, C, H, W] with the same steps and interpolation as the model's official
// code, so masks match it pixel for pixel: SamPredictor's postprocess_masks (via the input
// frame), a plain resize (SAM 2.1), or MedSAM_Inference.py's resize of the probabilities, whose
// threshold 0.5 is the logit's 0 (interpolating probabilities and logits differ at mask edges).
at::Tensor upscale_to_image(const at::Tensor& low_res, const ResizeTransform& t) {
  const std::vector<int64_t> image_size = {t.orig_h, t.orig_w};
  switch (t.upscale) {
    case UpscaleRule::kDirect:
      return at::upsample_bilinear2d(low_res, image_size, /*align_corners=*/false).contiguous();
    case UpscaleRule::kDirectSigmoid:
      return at::logit(at::upsample_bilinear2d(at::sigmoid(low_res), image_size, /*align_corners=*/false))
          .contiguous();
    case UpscaleRule::kViaInput:
      break;
  }
  at::Tensor x = at::upsample_bilinear2d(low_res, {t.target, t.target}, /*align_corners=*/false);
  x = x.slice(2, 0, t.new_h).slice(3, 0, t.new_w);
  return at::upsample_bilinear2d(x, image_size, /*align_corners=*/false).contiguous();
}

namespace {

cv::Mat channel(const at::Tensor& x, int c, const ResizeTransform& t) {
  cv::Mat out(t.orig_h, t.orig_w, CV_32F);
  std::memcpy(out.data, x[0][c].data_ptr<float>(), sizeof(float) * out.total());
  return out;
}

}  // namespace

cv::Mat upscale_logits(const float* low_res, int size, const ResizeTransform& t) {
  c10::InferenceMode guard;  // no autograd bookkeeping, like SamPredictor under torch.no_grad
  at::Tensor x = at::from_blob(const_cast<float*>(low_res), {1, 1, size, size}, at::kFloat);
  return channel(upscale_to_image(x, t), 0, t);
}

std::vector<cv::Mat> upscale_logits(const std::vector<const float*>& low_res, int size, const ResizeTransform& t) {
  c10::InferenceMode guard;
  constexpr size_t kGroup = 3;  // SamPredictor's multimask call; wider calls cost more per map
  const size_t plane = static_cast<size_t>(size) * size;
  std::vector<cv::Mat> out;
  for (size_t begin = 0; begin < low_res.size(); begin += kGroup) {
    const size_t n = std::min(kGroup, low_res.size() - begin);
    at::Tensor x = at::empty({1, static_cast<int64_t>(std::max<size_t>(n, 2)), size, size}, at::kFloat);
    for (int64_t c = 0; c < x.size(1); ++c) {
      std::memcpy(x[0][c].data_ptr<float>(), low_res[begin + std::min<size_t>(c, n - 1)], sizeof(float) * plane);
    }
    at::Tensor up = upscale_to_image(x, t);
    for (size_t c = 0; c < n; ++c) out.push_back(channel(up, static_cast<int>(c), t));
  }
  return out;
}

cv::Mat threshold_logits(const cv::Mat& logits, float threshold) {
  cv::Mat mask = logits > threshold;  // 0/255
  return mask / 255;
}

}  // namespace sambench
