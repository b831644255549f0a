// The rows' counts taken where the masks are (run/device_overlap.h: row_counts) against the host
// path they replace when nothing else needs the masks on the host: the kept masks upscaled and
// thresholded into cv::Mats (host_masks), cut to the field of view, and counted with overlap()
// per instance and per class union, as the evaluator's post-decode job counts them.

#include <cmath>
#include <map>
#include <random>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fixtures/test_fixtures.h"
#include "run/device_overlap.h"
#include "sambench/model/mask_tensors.h"

namespace sambench {
namespace {

constexpr int kLowRes = 256;
constexpr float kThreshold = 0.0f;

// A scene: a label map with several classes (two objects of the first), its instances, and
// instances that test the edges: one whose class is absent from the map with an empty box (an
// empty truth).
struct Scene {
  cv::Mat labels;
  std::vector<Instance> instances;
};

Scene make_scene(cv::Size size, int depth, int third_label) {
  Scene s;
  s.labels = cv::Mat::zeros(size, depth);
  const int w = size.width, h = size.height;
  const std::vector<std::pair<int, cv::Rect>> objects = {
      {1, cv::Rect(w / 10, h / 10, w / 4 + 1, h / 4 + 1)},
      {2, cv::Rect(w / 2, h / 8, w / 3 + 1, h / 2 + 1)},
      {1, cv::Rect(w / 8, h * 6 / 10, w / 5 + 1, h / 3)},
      {third_label, cv::Rect(w * 7 / 10, h * 7 / 10, w / 4, h / 4)}};
  std::map<int, int> index;
  for (const auto& [label, box] : objects) {
    const cv::Rect inside = box & cv::Rect(cv::Point(), size);
    if (inside.empty()) continue;
    cv::Mat object = cv::Mat::zeros(size, CV_8U);
    cv::ellipse(object, (inside.tl() + inside.br()) / 2, inside.size() / 2, 0, 0, 360, 1, cv::FILLED);
    if (cv::countNonZero(object) == 0) continue;
    s.labels.setTo(label, object);
    s.instances.push_back(testing::instance_of(object, label, ++index[label]));
  }
  Instance nothing;
  nothing.class_label = 9;  // in no pixel of the map
  nothing.index = 1;
  s.instances.push_back(nothing);
  return s;
}

// One low-res map per instance: blobs with noise, and one all below the threshold (an empty
// prediction).
std::vector<at::Tensor> kept_maps(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 3.0f);
  std::uniform_real_distribution<float> where(30.0f, 226.0f), radius(8.0f, 80.0f);
  std::vector<at::Tensor> maps;
  for (size_t i = 0; i < count; ++i) {
    at::Tensor map = at::empty({kLowRes, kLowRes}, at::kFloat);
    float* v = map.data_ptr<float>();
    const float cx = where(rng), cy = where(rng), r = radius(rng);
    for (int y = 0; y < kLowRes; ++y) {
      for (int x = 0; x < kLowRes; ++x) {
        v[y * kLowRes + x] = i == 1 ? -20.0f : (r - std::hypot(x - cx, y - cy)) / 4.0f + noise(rng);
      }
    }
    maps.push_back(map);
  }
  return maps;
}

cv::Mat field_of_view(cv::Size size) {
  cv::Mat roi = cv::Mat::zeros(size, CV_8U);
  cv::circle(roi, {size.width / 2, size.height / 2}, std::max(size.width, size.height) / 2, 255, cv::FILLED);
  return roi;
}

// The host path: masks on the host, cut, counted per instance and per class union.
std::vector<Overlap> host_counts(const std::vector<at::Tensor>& maps, UpscaleCall call, const ResizeTransform& t,
                                 const Scene& scene, const cv::Mat& roi) {
  std::vector<cv::Mat> masks = host_masks(maps, t, call, kThreshold);
  std::map<int, cv::Mat> unions;
  std::vector<Overlap> out;
  for (size_t i = 0; i < masks.size(); ++i) {
    if (!roi.empty()) masks[i] &= roi;
    out.push_back(overlap(masks[i], scene.instances[i]));
    cv::Mat& u = unions[scene.instances[i].class_label];
    if (u.empty()) u = cv::Mat::zeros(masks[i].size(), CV_8U);
    u |= masks[i];
  }
  for (const auto& [label, u] : unions) out.push_back(overlap(u, cv::Mat(scene.labels == label)));
  return out;
}

void expect_equal(const std::vector<Overlap>& actual, const std::vector<Overlap>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t r = 0; r < actual.size(); ++r) {
    EXPECT_EQ(actual[r].prediction, expected[r].prediction) << what << " row " << r;
    EXPECT_EQ(actual[r].truth, expected[r].truth) << what << " row " << r;
    EXPECT_EQ(actual[r].intersection, expected[r].intersection) << what << " row " << r;
  }
}

const std::vector<cv::Size> kSizes = {{517, 333}, {64, 48}, {900, 675}, {1, 300}};

// Every size, upscale rule and call, with and without a field of view, 8- and 16-bit label maps.
// Returns how many rows had an empty prediction and an empty truth.
std::pair<int, int> check_on(const at::Device& device) {
  c10::InferenceMode guard;
  int empty_predictions = 0, empty_truths = 0;
  for (cv::Size size : kSizes) {
    for (int depth : {CV_8U, CV_16U}) {
      const Scene scene = make_scene(size, depth, depth == CV_16U ? 40000 : 3);
      std::vector<at::Tensor> maps = kept_maps(scene.instances.size(), static_cast<unsigned>(size.area() + depth));
      for (at::Tensor& m : maps) m = m.to(device);
      ResizeTransform via = longest_side_transform(size.height, size.width, 1024);
      ResizeTransform direct = square_transform(size.height, size.width, 1024);
      direct.upscale = UpscaleRule::kDirect;
      for (const ResizeTransform& t : {via, direct}) {
        for (UpscaleCall call : {UpscaleCall::kAlone, UpscaleCall::kGrouped}) {
          for (const cv::Mat& roi : {cv::Mat(), field_of_view(size)}) {
            const std::string what = std::to_string(size.width) + "x" + std::to_string(size.height) +
                                     (depth == CV_16U ? " 16-bit" : " 8-bit") +
                                     (call == UpscaleCall::kAlone ? " alone" : " grouped") +
                                     (roi.empty() ? "" : " roi");
            StageTimes times;
            const std::vector<Overlap> counts = row_counts(maps, call, t, kThreshold, scene.instances,
                                                           device_sample(scene.labels, roi, device), times);
            expect_equal(counts, host_counts(maps, call, t, scene, roi), what);
            for (const Overlap& o : counts) {
              empty_predictions += o.prediction == 0;
              empty_truths += o.truth == 0;
            }
            EXPECT_GT(times.total("upscale"), 0.0);
          }
        }
      }
    }
  }
  return {empty_predictions, empty_truths};
}

TEST(RowCounts, AreTheHostPathsCountsOnCpu) {
  const auto [empty_predictions, empty_truths] = check_on(at::kCPU);
  EXPECT_GT(empty_predictions, 0);  // the edge cases were reached
  EXPECT_GT(empty_truths, 0);
}

TEST(RowCounts, RegionRowsFollowTheInstancesClassesInLabelOrder) {
  c10::InferenceMode guard;
  const Scene scene = make_scene({200, 150}, CV_8U, 3);
  const std::vector<at::Tensor> maps = kept_maps(scene.instances.size(), 7);
  const ResizeTransform t = longest_side_transform(150, 200, 1024);
  StageTimes times;
  const std::vector<Overlap> counts = row_counts(maps, UpscaleCall::kGrouped, t, kThreshold, scene.instances,
                                                 device_sample(scene.labels, cv::Mat(), at::kCPU), times);
  // 5 instances (two of class 1, the empty one of class 9), then classes 1, 2, 3, 9.
  ASSERT_EQ(counts.size(), scene.instances.size() + 4);
  EXPECT_EQ(counts[5].truth, cv::countNonZero(scene.labels == 1));
  EXPECT_EQ(counts[6].truth, cv::countNonZero(scene.labels == 2));
  EXPECT_EQ(counts[7].truth, cv::countNonZero(scene.labels == 3));
  EXPECT_EQ(counts[8].truth, 0);
  EXPECT_EQ(counts[8].prediction, counts[4].prediction);  // class 9's union is its one mask
}

// ---- The same checks on a CUDA device, where there is one ---------------------------------

TEST(RowCounts, AreTheHostPathsCountsOnCuda) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device: the rows' device counts ran on CPU tensors only";
  const auto [empty_predictions, empty_truths] = check_on(at::Device(at::kCUDA, 0));
  EXPECT_GT(empty_predictions, 0);
  EXPECT_GT(empty_truths, 0);
}

}  // namespace
}  // namespace sambench
