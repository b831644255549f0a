// Parity with SAM 2.1's official image predictor: scripts/make_sam2_fixtures.py ran
// SAM2ImagePredictor (its defaults) on the weights of a seeded random sam2.1_hiera_tiny export and
// wrote what it computed to tests/fixtures/sam2_parity; ctest exports the same model
// (export_sam2_tiny_model), and the C++ pipeline must reproduce it: model input within 1e-6,
// features, logits and IoUs within 1e-4, the same kept masks, no flip where |logit| > 1e-3.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/data/image_io.h"
#include "sambench/model/mask_policy.h"
#include "sambench/model/postprocess.h"
#include "sambench/model/sam_model.h"
#include "sambench/model/torch_resize.h"
#include "sambench/prompts/decoder_prompt.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr float kInputTolerance = 1e-6f;
constexpr float kTolerance = 1e-4f;  // features, logits and IoUs

fs::path fixture_dir() { return fs::path(SAMBENCH_SOURCE_DIR) / "tests/fixtures/sam2_parity"; }
fs::path sam2_model() { return testing::test_assets() / "sam2_tiny.pt"; }

json manifest() {
  std::ifstream in(fixture_dir() / "manifest.json");
  if (!in) throw std::runtime_error("no SAM 2.1 parity manifest in " + fixture_dir().string());
  return json::parse(in);
}

size_t count_of(const json& shape) {
  size_t n = 1;
  for (const auto& d : shape) n *= d.get<size_t>();
  return n;
}

std::string read_bytes(const json& spec, size_t expected) {
  const fs::path file = fixture_dir() / spec["file"].get<std::string>();
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != expected) throw std::runtime_error(file.string() + ": size differs from the manifest");
  return bytes;
}

std::vector<float> read_f32(const json& spec) {
  const size_t n = count_of(spec["shape"]);
  const std::string bytes = read_bytes(spec, n * sizeof(float));
  std::vector<float> values(n);
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

// [N, H, W] masks packed 8 pixels a byte, most significant bit first, each mask padded to bytes.
std::vector<uint8_t> read_bits(const json& spec) {
  const json& shape = spec["shape"];
  const size_t hw = shape[shape.size() - 2].get<size_t>() * shape[shape.size() - 1].get<size_t>();
  const size_t masks = count_of(shape) / hw, stride = (hw + 7) / 8;
  const std::string bytes = read_bytes(spec, masks * stride);
  std::vector<uint8_t> bits(masks * hw);
  for (size_t m = 0; m < masks; ++m) {
    for (size_t i = 0; i < hw; ++i) {
      bits[m * hw + i] = (static_cast<uint8_t>(bytes[m * stride + i / 8]) >> (7 - i % 8)) & 1;
    }
  }
  return bits;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float worst = 0.0f;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

// values [C, H, W] at [::cs, start::ss, start::ss] (start = phase), or a window at [r0:r1, r0:r1].
std::vector<float> subsample(const std::vector<float>& values, int c, int h, int w, int cs, int ss, int start,
                             int count) {
  std::vector<float> out;
  for (int ch = 0; ch < c; ch += cs) {
    for (int y = start, ny = 0; y < h && ny < count; y += ss, ++ny) {
      for (int x = start, nx = 0; x < w && nx < count; x += ss, ++nx) {
        out.push_back(values[(static_cast<size_t>(ch) * h + y) * w + x]);
      }
    }
  }
  return out;
}


// SAM2Transforms.postprocess_masks: the logits bilinearly to the image size, as they are.
cv::Mat upscale_direct(const float* logits, int size, int h, int w) {
  at::Tensor x = at::from_blob(const_cast<float*>(logits), {1, 1, size, size}, at::kFloat);
  x = at::upsample_bilinear2d(x, {h, w}, /*align_corners=*/false).contiguous();
  return cv::Mat(h, w, CV_32F, x.data_ptr<float>()).clone();
}

// The decoder token the single-mask slot holds: the multimask slot k whose logits it copies (the
// predictor's stability fallback), else 0 (its own token).
int single_kept(const DecodeOutput& out, int p) {
  const size_t n = static_cast<size_t>(out.size) * out.size;
  for (int k = 1; k < out.masks; ++k) {
    if (std::equal(out.mask_logits(p, 0), out.mask_logits(p, 0) + n, out.mask_logits(p, k))) return k;
  }
  return 0;
}

class Sam2Parity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_threads(2);
    model_ = new SamModel(SamModel::load(sam2_model(), "cpu"));
  }
  static void TearDownTestSuite() { delete model_; }
  static SamModel* model_;
};

SamModel* Sam2Parity::model_ = nullptr;

TEST_F(Sam2Parity, ModelIsTheFixturesAndHasThreeFeatures) {
  const json m = manifest();
  EXPECT_EQ(model_->info().model_type, m["model_type"]);
  EXPECT_EQ(model_->info().metadata["seed"], m["seed"]);
  EXPECT_EQ(model_->info().profile.name, "sam2");
  const std::vector<FeatureShape> features = {{256, 64, 64}, {32, 256, 256}, {64, 128, 128}};
  EXPECT_EQ(model_->info().features, features);
}

TEST_F(Sam2Parity, FixturesCoverSizesPromptsAndBothSingleMaskBranches) {
  bool portrait = false, landscape = false, box = false, points_and_box = false, mask_input = false, fallback = false;
  std::set<std::pair<int, int>> sizes;
  const json m = manifest();  // a loop over manifest()["cases"] would outlive its temporary
  for (const auto& c : m["cases"]) {
    sizes.insert({c["height"].get<int>(), c["width"].get<int>()});
    portrait |= c["height"] > c["width"];
    landscape |= c["height"] < c["width"];
    for (const auto& g : c["groups"]) {
      box |= !g["prompts"]["boxes"].is_null();
      points_and_box |= !g["prompts"]["boxes"].is_null() && !g["prompts"]["points"].is_null();
      mask_input |= !g["mask_input"].is_null();
      for (const auto& k : g["single_kept"]) fallback |= k.get<int>() != 0;
    }
  }
  EXPECT_GE(sizes.size(), 3u);
  EXPECT_TRUE(portrait && landscape && box && points_and_box && mask_input && fallback);
}

// The prompt in original-image pixels, b-th of the group, as the official predictor was given it.
Prompt fixture_prompt(const json& prompts, size_t b) {
  Prompt p;
  if (!prompts["points"].is_null()) {
    for (const auto& xy : prompts["points"][b]) p.points.push_back({xy[0].get<double>(), xy[1].get<double>()});
    for (const auto& label : prompts["labels"][b]) p.labels.push_back(label.get<int>());
  }
  if (!prompts["boxes"].is_null()) {
    const json& box = prompts["boxes"][b];
    p.box = Box{{box[0].get<double>(), box[1].get<double>()}, {box[2].get<double>(), box[3].get<double>()}};
  }
  return p;
}

// sambench's decoder prompts (to_decoder_prompt through the profile's transform) are the
// official prompt encoder's input bit for bit: the points and box corners in SAM 2.1's order,
// with its padding point, mapped with SAM2Transforms' float32 arithmetic.
TEST_F(Sam2Parity, DecoderPromptsAreTheOfficialOnesBitForBit) {
  const json m = manifest();
  const ModelProfile& profile = model_->info().profile;
  float worst = 0;
  size_t points = 0;
  for (const auto& c : m["cases"]) {
    const ResizeTransform t = model_transform(profile, c["height"].get<int>(), c["width"].get<int>());
    for (const auto& g : c["groups"]) {
      SCOPED_TRACE(g["kind"].get<std::string>());
      const size_t batch = g["batch"];
      const std::vector<float> coords = read_f32(g["coords"]), labels = read_f32(g["labels"]);
      const size_t n = labels.size() / batch;
      for (size_t b = 0; b < batch; ++b) {
        const DecoderPrompt ours = to_decoder_prompt(fixture_prompt(g["prompts"], b), t, profile);
        const std::vector<float> official(coords.begin() + b * n * 2, coords.begin() + (b + 1) * n * 2);
        EXPECT_EQ(ours.labels, std::vector<float>(labels.begin() + b * n, labels.begin() + (b + 1) * n));
        EXPECT_EQ(ours.coords, official);
        worst = std::max(worst, max_abs_diff(ours.coords, official));
        points += n;
      }
    }
  }
  std::printf("decoder prompt coordinates: %zu points, largest difference from the official %g\n", points, worst);
}

// One test walks the whole pipeline per image, so each is encoded once.
TEST_F(Sam2Parity, InputFeaturesLogitsAndMasksMatchTheOfficialPredictor) {
  const json m = manifest();
  const ModelInfo& info = model_->info();
  const int s = info.image_size, stride = m["input_stride"], phase = m["input_phase"];
  const int crop0 = m["input_crop"][0], crop1 = m["input_crop"][1];
  for (const auto& c : m["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const cv::Mat rgb = read_rgb(fixture_dir() / c["image"].get<std::string>());
    const std::vector<float> input = torch_model_input(rgb, s, s, s, info.profile.value_range, info.normalization);
    ASSERT_EQ(input.size(), static_cast<size_t>(3) * s * s);
    EXPECT_LE(max_abs_diff(subsample(input, 3, s, s, 1, stride, phase, s), read_f32(c["input_strided"])),
              kInputTolerance);
    std::vector<float> crop;
    for (int ch = 0; ch < 3; ++ch) {
      for (int y = crop0; y < crop1; ++y) {
        for (int x = crop0; x < crop1; ++x) crop.push_back(input[(static_cast<size_t>(ch) * s + y) * s + x]);
      }
    }
    EXPECT_LE(max_abs_diff(crop, read_f32(c["input_crop"])), kInputTolerance);

    const Embedding embedding = model_->encode(input);
    const EmbeddingValues values = embedding_values(embedding);
    const char* names[] = {"image_embed", "feat_s0", "feat_s1"};
    for (size_t f = 0; f < 3; ++f) {
      const json& spec = c["features"][names[f]];
      const FeatureShape& shape = values.features[f].shape;
      const int cs = spec["channel_step"], ss = spec["spatial_step"];
      EXPECT_LE(max_abs_diff(subsample(values.features[f].values, shape.channels, shape.height, shape.width, cs, ss,
                                       0, shape.height),
                             read_f32(spec)),
                kTolerance)
          << names[f];
    }

    for (const auto& g : c["groups"]) {
      SCOPED_TRACE(g["kind"].get<std::string>());
      const size_t b = g["batch"];
      // The prompts as the official prompt encoder received them.
      const std::vector<float> coords = read_f32(g["coords"]), labels = read_f32(g["labels"]);
      const size_t n = labels.size() / b;
      std::vector<DecoderPrompt> prompts(b);
      for (size_t i = 0; i < b; ++i) {
        prompts[i].coords.assign(coords.begin() + i * n * 2, coords.begin() + (i + 1) * n * 2);
        prompts[i].labels.assign(labels.begin() + i * n, labels.begin() + (i + 1) * n);
      }
      const std::vector<float> mask_input = g["mask_input"].is_null() ? std::vector<float>() : read_f32(g["mask_input"]);

      const DecodeOutput out = model_->decode(embedding, prompts, mask_input);
      const int ls = m["logit_stride"];
      EXPECT_LE(max_abs_diff(subsample(out.logits, static_cast<int>(b) * out.masks, out.size, out.size, 1, ls, 0,
                                       out.size),
                             read_f32(g["low_res_logits"])),
                kTolerance);
      EXPECT_LE(max_abs_diff(out.iou, read_f32(g["iou"])), kTolerance);

      const std::vector<uint8_t> masks = read_bits(g["masks"]), sures = read_bits(g["sure"]);
      const int h = c["height"], w = c["width"];
      const size_t hw = static_cast<size_t>(h) * w;
      for (int p = 0; p < out.batch; ++p) {
        EXPECT_EQ(choose_mask(out.iou.data() + p * out.masks, out.masks, MaskPolicy::kBestScore),
                  g["multi_best"][p].get<int>());
        EXPECT_EQ(single_kept(out, p), g["single_kept"][p].get<int>());
        for (int k = 0; k < out.masks; ++k) {
          const cv::Mat mask = threshold_logits(upscale_direct(out.mask_logits(p, k), out.size, h, w), info.mask_threshold);
          const size_t at = (static_cast<size_t>(p) * out.masks + k) * hw;
          size_t decided = 0, flipped = 0;  // decided: |official logit| > the manifest's sure_logit
          for (size_t i = 0; i < hw; ++i) {
            if (!sures[at + i]) continue;
            ++decided;
            flipped += mask.data[i] != masks[at + i];
          }
          EXPECT_EQ(flipped, 0u) << "prompt " << p << " slot " << k;
          EXPECT_GT(decided, hw / 2) << "prompt " << p << " slot " << k;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sambench
