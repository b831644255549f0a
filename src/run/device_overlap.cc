#include "run/device_overlap.h"

#include <map>
#include <stdexcept>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <omp.h>

#include "sambench/model/mask_policy.h"

namespace sambench {

namespace {

// The true pixels of a bool [H, W] mask, as a long tensor on its device: each row summed in int32
// (exact: a row holds fewer than 2^31 pixels), then the rows in int64. Summing the bools straight
// into int64 is about 15x slower on a CPU (50 ms against 3 ms at 3000x2250).
at::Tensor count_true(const at::Tensor& mask) {
  return mask.sum(/*dim=*/{-1}, /*keepdim=*/false, at::kInt).sum(at::kLong);
}

}  // namespace

at::Tensor truth_tensor(const Instance& instance, cv::Size image_size, const at::Device& device) {
  const cv::Rect& box = instance.box;
  CV_Assert(instance.crop.type() == CV_8U && instance.crop.size() == box.size() &&
            (box & cv::Rect(cv::Point(), image_size)) == box);
  c10::InferenceMode guard;
  const cv::Mat crop = instance.crop.isContinuous() ? instance.crop : instance.crop.clone();
  // Any non-zero pixel is foreground, as for overlap(); the comparison also copies the pixels
  // out of the cv::Mat, which may be freed before the tensor. Only the box's pixels cross to
  // the device; the rest of the image is made there.
  at::Tensor truth = at::zeros({image_size.height, image_size.width}, at::TensorOptions(device).dtype(at::kBool));
  if (box.area() > 0) {
    truth.narrow(0, box.y, box.height)
        .narrow(1, box.x, box.width)
        .copy_(at::ne(at::from_blob(crop.data, {crop.rows, crop.cols}, at::kByte), 0));
  }
  return truth;
}

std::vector<Overlap> overlap_counts(const std::vector<at::Tensor>& masks, const at::Tensor& truth) {
  if (masks.empty()) return {};
  c10::InferenceMode guard;
  std::vector<at::Tensor> sums = {count_true(truth)};
  for (const at::Tensor& mask : masks) {
    sums.push_back(count_true(mask));
    sums.push_back(count_true(at::logical_and(mask, truth)));
  }
  const at::Tensor host = at::stack(sums).to(at::kCPU, at::kLong);
  const int64_t* counts = host.data_ptr<int64_t>();
  std::vector<Overlap> out(masks.size());
  for (size_t i = 0; i < masks.size(); ++i) {
    out[i].truth = counts[0];
    out[i].prediction = counts[1 + 2 * i];
    out[i].intersection = counts[2 + 2 * i];
  }
  return out;
}

int oracle_choice(const DeviceDecode& decoded, int p, const ResizeTransform& transform, const at::Tensor& truth,
                  float threshold, EmptyRule rule) {
  c10::InferenceMode guard;
  const at::Tensor outputs = decoded.logits[p].narrow(0, 1, decoded.masks - 1);
  std::vector<at::Tensor> masks;
  for (const at::Tensor& logits : upscale_maps(outputs, transform, UpscaleCall::kGrouped)) {
    masks.push_back(threshold_maps(logits, threshold));
  }
  const std::vector<Overlap> counts = overlap_counts(masks, truth);
  std::vector<float> ious(decoded.masks, -1.0f);
  for (int k = 1; k < decoded.masks; ++k) ious[k] = static_cast<float>(iou(counts[k - 1], rule));
  return choose_mask(ious.data(), decoded.masks, MaskPolicy::kOracle);
}

namespace {

// On a CPU, LibTorch runs each full-size operation on an OpenMP team that the calling thread
// starts; a metric worker's team then spins beside the model's threads. Measured on the loaded
// 2-core machine at 3000x2250: a comparison, an AND or a count took 14-34 ms on a team of 2 and
// 0.2-5 ms on the worker's thread alone (and the model's decode slowed by a fifth). So the
// counts run on the calling thread only; OpenMP's thread count is per thread, the model's own
// stays as it was. On CUDA nothing runs on the host's cores.
class OnThisThreadOnly {
 public:
  explicit OnThisThreadOnly(const at::Device& device) : active_(device.is_cpu()) {
    if (!active_) return;
    at::internal::lazy_init_num_threads();  // else LibTorch's first call here would set it back
    previous_ = omp_get_max_threads();
    omp_set_num_threads(1);
  }
  ~OnThisThreadOnly() {
    if (active_) omp_set_num_threads(previous_);
  }
  OnThisThreadOnly(const OnThisThreadOnly&) = delete;
  OnThisThreadOnly& operator=(const OnThisThreadOnly&) = delete;

 private:
  bool active_;
  int previous_ = 1;
};

// A label map's pixels as a tensor type of the same width (LibTorch has no uint16: such a map
// goes as int16, and a label is compared in the same form).
at::ScalarType label_type(int depth) {
  switch (depth) {
    case CV_8U: return at::kByte;
    case CV_16U: return at::kShort;
    case CV_32S: return at::kInt;
    default: throw std::invalid_argument("a label map must be 8-bit, 16-bit or 32-bit integers");
  }
}

int64_t label_value(int label, at::ScalarType type) {
  return type == at::kShort ? static_cast<int16_t>(static_cast<uint16_t>(label)) : label;
}

// A cv::Mat's pixels copied into a tensor on `device` (the copy owns its memory on a CPU too).
at::Tensor tensor_of(const cv::Mat& image, at::ScalarType type, const at::Device& device) {
  const cv::Mat pixels = image.isContinuous() ? image : image.clone();
  return at::from_blob(pixels.data, {pixels.rows, pixels.cols}, type)
      .to(device, type, /*non_blocking=*/false, /*copy=*/true);
}

// The intersection of an image-sized mask with an instance, inside its box only.
at::Tensor box_intersection(const at::Tensor& mask, const Instance& instance) {
  const cv::Rect& box = instance.box;
  if (box.empty()) return at::zeros({}, mask.options().dtype(at::kLong));
  const at::Tensor crop = at::ne(tensor_of(instance.crop, at::kByte, mask.device()), 0);
  return count_true(at::logical_and(mask.narrow(0, box.y, box.height).narrow(1, box.x, box.width), crop));
}

}  // namespace

DeviceSample device_sample(const cv::Mat& labels, const cv::Mat& roi, const at::Device& device) {
  c10::InferenceMode guard;
  DeviceSample out;
  out.labels = tensor_of(labels, label_type(labels.depth()), device);
  // The host cut is a bitwise AND of the 0/1 mask with the ROI (0/255 from the adapters): a
  // pixel stays where the ROI's lowest bit is set.
  if (!roi.empty()) out.roi = at::ne(at::bitwise_and(tensor_of(roi, at::kByte, device), 1), 0);
  return out;
}

std::vector<Overlap> row_counts(const std::vector<at::Tensor>& low_res, UpscaleCall call,
                                const ResizeTransform& transform, float threshold,
                                const std::vector<Instance>& instances, const DeviceSample& sample,
                                StageTimes& times) {
  CV_Assert(low_res.size() == instances.size());
  if (low_res.empty()) return {};
  c10::InferenceMode guard;
  const OnThisThreadOnly serial(low_res.front().device());
  const size_t group = call == UpscaleCall::kAlone ? 1 : static_cast<size_t>(kGroupedCallMaps);
  std::vector<at::Tensor> sums;  // per instance |P| and |P ∩ G|; per class |P|, |G| and |P ∩ G|
  std::map<int, at::Tensor> unions;  // per class, the union of its kept masks
  for (size_t begin = 0; begin < low_res.size(); begin += group) {
    const size_t end = std::min(low_res.size(), begin + group);
    std::vector<at::Tensor> masks;
    {
      auto t = times.time("upscale");
      const at::Tensor maps = at::stack(std::vector<at::Tensor>(low_res.begin() + begin, low_res.begin() + end));
      for (const at::Tensor& logits : upscale_maps(maps, transform, call)) {
        at::Tensor mask = threshold_maps(logits, threshold);
        if (sample.roi.defined()) mask = at::logical_and(mask, sample.roi);
        masks.push_back(mask);
      }
    }
    auto t = times.time("metrics");
    for (size_t i = begin; i < end; ++i) {
      const at::Tensor& mask = masks[i - begin];
      sums.push_back(count_true(mask));
      sums.push_back(box_intersection(mask, instances[i]));
      at::Tensor& class_union = unions[instances[i].class_label];
      class_union = class_union.defined() ? at::logical_or(class_union, mask) : mask;
    }
  }
  auto t = times.time("metrics");
  for (const auto& [label, predicted] : unions) {
    const at::Tensor truth = at::eq(sample.labels, label_value(label, sample.labels.scalar_type()));
    sums.push_back(count_true(predicted));
    sums.push_back(count_true(truth));
    sums.push_back(count_true(at::logical_and(predicted, truth)));
  }
  if (sums.empty()) return {};
  const at::Tensor host = at::stack(sums).to(at::kCPU, at::kLong);
  const int64_t* counts = host.data_ptr<int64_t>();
  std::vector<Overlap> out;
  for (const Instance& instance : instances) {
    Overlap o;
    o.prediction = *counts++;
    o.intersection = *counts++;
    o.truth = instance.box.empty() ? 0 : cv::countNonZero(instance.crop);
    out.push_back(o);
  }
  for (size_t c = 0; c < unions.size(); ++c) {
    Overlap o;
    o.prediction = *counts++;
    o.truth = *counts++;
    o.intersection = *counts++;
    out.push_back(o);
  }
  return out;
}

}  // namespace sambench
