#include "sambench/model/preprocess.h"

#include <algorithm>
#include <cmath>

#include "sambench/base/error.h"
#include "sambench/model/skimage_resize.h"
#include "sambench/model/torch_resize.h"

namespace sambench {

namespace {

// PIL keeps 8-bit resampling weights as fixed point with this many fractional bits.
constexpr int kPrecisionBits = 32 - 8 - 2;

// One output pixel's contributing input range and weights.
struct Taps {
  int first = 0;
  std::vector<int> weights;
};

// PIL's precompute_coeffs + normalize_coeffs_8bpc for the triangle filter (support 1).
std::vector<Taps> bilinear_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;
  std::vector<Taps> taps(out_size);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    int first = std::max(static_cast<int>(center - support + 0.5), 0);
    int last = std::min(static_cast<int>(center + support + 0.5), in_size);
    // PIL multiplies by the reciprocal; dividing would differ in the last bit.
    const double inverse_scale = 1.0 / filter_scale;
    std::vector<double> w;
    double total = 0.0;
    for (int x = first; x < last; ++x) {
      double d = std::fabs((x - center + 0.5) * inverse_scale);
      w.push_back(d < 1.0 ? 1.0 - d : 0.0);
      total += w.back();
    }
    taps[i].first = first;
    for (double v : w) {
      double normalized = total != 0.0 ? v / total : v;
      double fixed = normalized * (1 << kPrecisionBits);
      taps[i].weights.push_back(static_cast<int>(normalized < 0 ? fixed - 0.5 : fixed + 0.5));
    }
  }
  return taps;
}

inline uchar clip8(long long sum) {
  long long v = sum >> kPrecisionBits;  // arithmetic shift: floor, as PIL's lookup table does
  return static_cast<uchar>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

cv::Mat resample_horizontal(const cv::Mat& src, int out_w) {
  const int channels = src.channels();
  std::vector<Taps> taps = bilinear_taps(src.cols, out_w);
  cv::Mat dst(src.rows, out_w, src.type());
  for (int r = 0; r < src.rows; ++r) {
    const uchar* in = src.ptr<uchar>(r);
    uchar* out = dst.ptr<uchar>(r);
    for (int x = 0; x < out_w; ++x) {
      const Taps& t = taps[x];
      for (int c = 0; c < channels; ++c) {
        long long sum = 1LL << (kPrecisionBits - 1);
        for (size_t k = 0; k < t.weights.size(); ++k) {
          sum += static_cast<long long>(in[(t.first + k) * channels + c]) * t.weights[k];
        }
        out[x * channels + c] = clip8(sum);
      }
    }
  }
  return dst;
}

cv::Mat resample_vertical(const cv::Mat& src, int out_h) {
  const int row_values = src.cols * src.channels();
  std::vector<Taps> taps = bilinear_taps(src.rows, out_h);
  cv::Mat dst(out_h, src.cols, src.type());
  std::vector<long long> sums(row_values);
  for (int y = 0; y < out_h; ++y) {
    const Taps& t = taps[y];
    std::fill(sums.begin(), sums.end(), 1LL << (kPrecisionBits - 1));
    for (size_t k = 0; k < t.weights.size(); ++k) {
      const uchar* in = src.ptr<uchar>(t.first + static_cast<int>(k));
      for (int i = 0; i < row_values; ++i) sums[i] += static_cast<long long>(in[i]) * t.weights[k];
    }
    uchar* out = dst.ptr<uchar>(y);
    for (int i = 0; i < row_values; ++i) out[i] = clip8(sums[i]);
  }
  return dst;
}

}  // namespace

cv::Point2d ResizeTransform::apply(cv::Point2d p) const {
  // Same arithmetic as the official code, so coordinates match to the last bit: SamPredictor
  // multiplies by the ratio and MedSAM divides by the size first, in float64 (numpy);
  // SAM2Transforms.transform_coords takes the points as a float32 tensor, divides by the size,
  // then multiplies by the resolution, each step rounded to float32.
  if (rule == ResizeRule::kSquare && float32_points) {
    const float x = static_cast<float>(p.x) / static_cast<float>(orig_w) * static_cast<float>(target);
    const float y = static_cast<float>(p.y) / static_cast<float>(orig_h) * static_cast<float>(target);
    return {x, y};
  }
  if (rule == ResizeRule::kSquare) {
    return {p.x / orig_w * target, p.y / orig_h * target};
  }
  return {p.x * (static_cast<double>(new_w) / orig_w), p.y * (static_cast<double>(new_h) / orig_h)};
}

ResizeTransform longest_side_transform(int height, int width, int target) {
  if (height <= 0 || width <= 0) throw Error("image has no pixels");
  double scale = static_cast<double>(target) / std::max(height, width);
  ResizeTransform t;
  t.orig_h = height;
  t.orig_w = width;
  t.new_h = static_cast<int>(height * scale + 0.5);
  t.new_w = static_cast<int>(width * scale + 0.5);
  // A slice too thin for the resize (images are refused earlier, by name, in read_rgb).
  if (t.new_h < 1 || t.new_w < 1) {
    throw Error("image is " + std::to_string(width) + "x" + std::to_string(height) +
                ": too narrow to resize to " + std::to_string(target) + " pixels (aspect ratio beyond " +
                std::to_string(2 * target) + ":1)");
  }
  t.target = target;
  return t;
}

ResizeTransform square_transform(int height, int width, int target) {
  if (height <= 0 || width <= 0) throw Error("image has no pixels");
  ResizeTransform t;
  t.orig_h = height;
  t.orig_w = width;
  t.new_h = t.new_w = t.target = target;
  t.rule = ResizeRule::kSquare;
  return t;
}

ResizeTransform model_transform(const ModelProfile& profile, int height, int width) {
  ResizeTransform t = profile.resize == ResizeRule::kSquare ? square_transform(height, width, profile.input_size)
                                                            : longest_side_transform(height, width, profile.input_size);
  t.upscale = profile.upscale;
  t.float32_points = profile.resize_filter == ResizeFilter::kTorchBilinearAa;
  return t;
}

void check_profile_supported(const ModelProfile& profile) {
  // The float path (SAM 2.1's) scales before resizing and normalizes by mean and std; the uint8
  // paths resize the pixels as they are. Other combinations match no official pipeline.
  const bool float_path = profile.resize_filter == ResizeFilter::kTorchBilinearAa;
  auto refuse = [&](const std::string& field, const std::string& why) {
    throw Error("model profile '" + profile.name + "': " + field + " " + profile_field_value(profile, field).dump() +
                " " + why);
  };
  if (float_path && profile.normalization != PixelScaling::kMeanStd) {
    refuse("normalization", "is not supported with resize_filter \"torch_bilinear_aa\"");
  }
  if (!float_path && profile.value_range != 255) {
    refuse("value_range", "is supported only with resize_filter \"torch_bilinear_aa\"");
  }
}

std::string preprocessing_key(const ModelProfile& profile) {
  std::string key = kPreprocessingVersion;
  for (const char* field : {"resize", "resize_filter", "normalization", "value_range", "input_size"}) {
    key += std::string(" ") + field + "=" + profile_field_value(profile, field).dump();
  }
  return key;
}

cv::Mat pil_resize_bilinear(const cv::Mat& src, int new_w, int new_h) {
  if (src.depth() != CV_8U) throw Error("pil_resize_bilinear: expected a uint8 image");
  cv::Mat out = src.isContinuous() ? src : src.clone();
  // PIL resamples horizontally first, then vertically, each pass rounding to uint8.
  if (new_w != out.cols) out = resample_horizontal(out, new_w);
  if (new_h != out.rows) out = resample_vertical(out, new_h);
  return out.data == src.data ? src.clone() : out;
}

std::vector<float> make_model_input(const cv::Mat& rgb, const ResizeTransform& t, const ModelProfile& profile,
                                    const Normalization& norm) {
  if (rgb.type() != CV_8UC3) throw Error("make_model_input: expected an RGB uint8 image");
  check_profile_supported(profile);
  if (profile.resize_filter == ResizeFilter::kTorchBilinearAa) {
    return torch_model_input(rgb, t.new_w, t.new_h, t.target, profile.value_range, norm);
  }
  const cv::Mat resized = profile.resize_filter == ResizeFilter::kSkimageCubicAaUint8
                              ? skimage_resize_cubic_aa(rgb, t.new_w, t.new_h)
                              : pil_resize_bilinear(rgb, t.new_w, t.new_h);
  // min_max: MedSAM's (x - min) / max(max - min, 1e-8) over the whole resized image, in float64
  // as numpy computes it, then float32.
  double low = 0, high = 0;
  if (profile.normalization == PixelScaling::kMinMax) cv::minMaxLoc(resized.reshape(1), &low, &high);
  const double range = std::max(high - low, 1e-8);
  const size_t plane = static_cast<size_t>(t.target) * t.target;
  std::vector<float> input(3 * plane, 0.0f);  // zero padding below and to the right
  for (int r = 0; r < t.new_h; ++r) {
    const uchar* row = resized.ptr<uchar>(r);
    for (int c = 0; c < t.new_w; ++c) {
      for (int ch = 0; ch < 3; ++ch) {
        const uchar v = row[c * 3 + ch];
        input[ch * plane + static_cast<size_t>(r) * t.target + c] =
            profile.normalization == PixelScaling::kMinMax
                ? static_cast<float>((v - low) / range)
                : (static_cast<float>(v) - norm.mean[ch]) / norm.std[ch];
      }
    }
  }
  return input;
}

}  // namespace sambench
