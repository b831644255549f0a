#include "sambench/model/torch_resize.h"

#include <ATen/ATen.h>

#include "sambench/base/error.h"

namespace sambench {

std::vector<float> torch_resize_bilinear_aa(const cv::Mat& rgb, int new_w, int new_h, float divisor) {
  if (rgb.type() != CV_8UC3) throw Error("torch_resize_bilinear_aa: expected an RGB uint8 image");
  if (new_w <= 0 || new_h <= 0) throw Error("torch_resize_bilinear_aa: the output needs pixels");
  const cv::Mat pixels = rgb.isContinuous() ? rgb : rgb.clone();
  // HWC bytes to CHW float32, as ToTensor: transpose, then to float and divide.
  at::Tensor x = at::from_blob(pixels.data, {pixels.rows, pixels.cols, 3}, at::kByte)
                     .permute({2, 0, 1})
                     .contiguous()
                     .to(at::kFloat);
  if (divisor != 1.0f) x = x.div(divisor);
  x = at::_upsample_bilinear2d_aa(x.unsqueeze(0), {new_h, new_w}, /*align_corners=*/false).contiguous();
  return std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
}

std::vector<float> torch_model_input(const cv::Mat& rgb, int new_w, int new_h, int target, int value_range,
                                     const Normalization& norm) {
  if (value_range != 1 && value_range != 255) throw Error("model profile: value_range must be 1 or 255");
  if (new_w > target || new_h > target) throw Error("torch_model_input: the resized image exceeds the input");
  const std::vector<float> resized = torch_resize_bilinear_aa(rgb, new_w, new_h, value_range == 1 ? 255.0f : 1.0f);
  const size_t plane = static_cast<size_t>(target) * target, resized_plane = static_cast<size_t>(new_w) * new_h;
  std::vector<float> input(3 * plane, 0.0f);  // zero padding below and to the right, if any
  for (int ch = 0; ch < 3; ++ch) {
    for (int r = 0; r < new_h; ++r) {
      const float* from = resized.data() + ch * resized_plane + static_cast<size_t>(r) * new_w;
      float* to = input.data() + ch * plane + static_cast<size_t>(r) * target;
      for (int c = 0; c < new_w; ++c) to[c] = (from[c] - norm.mean[ch]) / norm.std[ch];
    }
  }
  return input;
}

}  // namespace sambench
