#include "sambench/postprocess.h"

#include <cstring>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

namespace sambench {

cv::Mat upscale_logits(const float* low_res, int size, const ResizeTransform& t) {
  c10::InferenceMode guard;  // no autograd bookkeeping, like SamPredictor under torch.no_grad
  at::Tensor x = at::from_blob(const_cast<float*>(low_res), {1, 1, size, size}, at::kFloat);
  // Same two steps and interpolation as SamPredictor, so masks match it pixel for pixel.
  x = at::upsample_bilinear2d(x, {t.target, t.target}, /*align_corners=*/false);
  x = x.slice(2, 0, t.new_h).slice(3, 0, t.new_w);
  x = at::upsample_bilinear2d(x, {t.orig_h, t.orig_w}, /*align_corners=*/false).contiguous();
  cv::Mat out(t.orig_h, t.orig_w, CV_32F);
  std::memcpy(out.data, x.data_ptr<float>(), sizeof(float) * out.total());
  return out;
}

cv::Mat threshold_logits(const cv::Mat& logits, float threshold) {
  cv::Mat mask = logits > threshold;  // 0/255
  return mask / 255;
}

}  // namespace sambench
