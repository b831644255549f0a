// Parity with MedSAM's official inference: tests/fixtures/medsam holds what MedSAM_Inference.py
// computed (scripts/make_medsam_fixtures.py) with the seeded small model that the ctest fixtures
// export; sambench's pipeline under MedSAM's profile must reproduce it.

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/data/image_io.h"
#include "sambench/model/mask_policy.h"
#include "sambench/model/postprocess.h"
#include "sambench/model/preprocess.h"
#include "sambench/model/sam_model.h"
#include "sambench/prompts/decoder_prompt.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr float kInputTolerance = 1e-6f;
constexpr float kTolerance = 1e-4f;  // logits and IoU scores

fs::path fixture_dir() { return fs::path(SAMBENCH_SOURCE_DIR) / "tests/fixtures/medsam"; }

json manifest() {
  std::ifstream in(fixture_dir() / "manifest.json");
  if (!in) throw std::runtime_error("no tests/fixtures/medsam/manifest.json");
  return json::parse(in);
}

template <typename T>
std::vector<T> read_raw(const std::string& name) {
  return testing::read_raw_values<T>(fixture_dir() / name);
}

cv::Mat read_png(const std::string& name, int flags) {
  cv::Mat m = cv::imread((fixture_dir() / name).string(), flags);
  if (m.empty()) throw std::runtime_error(name + ": cannot read");
  return m;
}

// MedSAM's profile, as export_sam.py writes it for medsam_vit_b.
json medsam_profile() {
  return {{"name", "medsam"},      {"resize", "square"},          {"resize_filter", "skimage_cubic_aa_uint8"},
          {"normalization", "min_max"}, {"value_range", 255},     {"upscale", "direct_sigmoid"},
          {"input_size", 1024},    {"prompt", "box"},             {"mask_output", "single"},
          {"pad_point", "without_box"}, {"box_position", "last"}};
}

Prompt prompt_from(const json& p) {
  Prompt prompt;
  if (p.contains("box")) {
    const json& b = p["box"];
    prompt.box = Box{{b[0].get<double>(), b[1].get<double>()}, {b[2].get<double>(), b[3].get<double>()}};
  } else {
    prompt.points = {{p["point"][0].get<double>(), p["point"][1].get<double>()}};
    prompt.labels = {kPositive};
  }
  return prompt;
}

class MedSamParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_threads(2);
    // The small network the fixtures were made with (seed 0), run through MedSAM's pipeline: the
    // profile is all that tells medsam_vit_b's export from a SAM ViT-B's.
    model_ = new SamModel(SamModel::load(testing::small_model(), "cpu"));
    json profile = medsam_profile();
    profile.erase("name");
    profile.erase("input_size");
    model_->override_profile(profile);
  }
  static void TearDownTestSuite() { delete model_; }
  static SamModel* model_;
};

SamModel* MedSamParity::model_ = nullptr;

TEST_F(MedSamParity, FixturesCoverSizesAspectsAndPromptKinds) {
  const json m = manifest();
  ASSERT_GE(m["cases"].size(), 3u);
  EXPECT_EQ(m["model"]["type"], "small");
  EXPECT_EQ(m["model"]["seed"], 0);
  bool taller = false, wider = false, shrunk = false, grown = false, point = false;
  for (const auto& c : m["cases"]) {
    const int h = c["height"], w = c["width"];
    taller |= h > w;
    wider |= w > h;
    shrunk |= h > 1024 || w > 1024;
    grown |= h < 1024 && w < 1024;
    int boxes = 0;
    for (const auto& p : c["prompts"]) {
      boxes += p.contains("box");
      point |= p.contains("point");
    }
    EXPECT_GE(boxes, 3) << c["name"];
  }
  EXPECT_TRUE(taller && wider && shrunk && grown && point);
  // Every field but the name (the model's own) is MedSAM's.
  json used = to_json(model_->info().profile), want = medsam_profile();
  used.erase("name");
  want.erase("name");
  EXPECT_EQ(used, want);
}

TEST_F(MedSamParity, PipelineMatchesTheOfficialInference) {
  const ModelInfo& info = model_->info();
  const json m = manifest();
  const int stride = m["logit_stride"];
  int flips_of_logit_resize = 0;  // MedSAM resizes probabilities, not logits: this is why
  for (const auto& c : m["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const cv::Mat rgb = read_rgb(fixture_dir() / c["image"].get<std::string>());
    ASSERT_EQ(rgb.rows, c["height"].get<int>());
    const ResizeTransform t = model_transform(info.profile, rgb.rows, rgb.cols);

    // Model input: the official values at every input_stride-th position (16,000 per image).
    const std::vector<float> input = make_model_input(rgb, t, info.profile, info.normalization);
    const size_t input_stride = m["input_stride"];
    const auto input_values = read_raw<float>(c["input_values"]);
    ASSERT_EQ(input_values.size(), (input.size() + input_stride - 1) / input_stride);
    for (size_t i = 0; i < input_values.size(); ++i) {
      ASSERT_NEAR(input[i * input_stride], input_values[i], kInputTolerance) << "at " << i * input_stride;
    }

    const Embedding embedding = model_->encode(input);
    const std::vector<float> values = embedding_values(embedding).features.at(0).values;
    const size_t embedding_stride = m["embedding_stride"];
    const auto embedding_ref = read_raw<float>(c["embedding_values"]);
    ASSERT_EQ(embedding_ref.size(), (values.size() + embedding_stride - 1) / embedding_stride);
    float worst_embedding = 0;
    for (size_t i = 0; i < embedding_ref.size(); ++i) {
      worst_embedding = std::max(worst_embedding, std::fabs(values[i * embedding_stride] - embedding_ref[i]));
    }
    EXPECT_LE(worst_embedding, kTolerance);

    for (size_t p = 0; p < c["prompts"].size(); ++p) {
      const json& ref = c["prompts"][p];
      SCOPED_TRACE("prompt " + std::to_string(p));
      const DecodeOutput out = model_->decode(embedding, {to_decoder_prompt(prompt_from(ref), t, info.profile)});
      // The single-mask output is what MedSAM keeps; the multimask outputs' choice is checked too.
      EXPECT_NEAR(out.score(0, 0), ref["iou"].get<float>(), kTolerance);
      std::vector<float> multimask(out.iou.begin(), out.iou.begin() + out.masks);
      EXPECT_EQ(choose_mask(multimask.data(), out.masks, MaskPolicy::kSingle), 0);
      EXPECT_EQ(choose_mask(multimask.data(), out.masks, MaskPolicy::kBestScore),
                ref["best_multimask_index"].get<int>());
      for (int k = 1; k < out.masks; ++k) EXPECT_NEAR(out.score(0, k), ref["multimask_iou"][k - 1].get<float>(), kTolerance);

      const auto logits_ref = read_raw<float>(ref["logits"]);
      const int sub = (out.size + stride - 1) / stride;
      ASSERT_EQ(logits_ref.size(), static_cast<size_t>(sub) * sub);
      float worst_logit = 0;
      for (int r = 0; r < sub; ++r) {
        for (int x = 0; x < sub; ++x) {
          const float got = out.mask_logits(0, 0)[r * stride * out.size + x * stride];
          worst_logit = std::max(worst_logit, std::fabs(got - logits_ref[r * sub + x]));
        }
      }
      EXPECT_LE(worst_logit, kTolerance);

      // The kept mask at full resolution: no pixel differs where the official probability is
      // clearly on one side of 0.5 (|logit| > 1e-3).
      const cv::Mat mask = threshold_logits(upscale_logits(out.mask_logits(0, 0), out.size, t), info.mask_threshold);
      const cv::Mat want = read_png(ref["mask"], cv::IMREAD_GRAYSCALE) / 255;
      const cv::Mat ambiguous = read_png(ref["ambiguous"], cv::IMREAD_GRAYSCALE);
      const cv::Mat flipped = (mask != want) & (ambiguous == 0);
      EXPECT_EQ(cv::countNonZero(flipped), 0);
      ResizeTransform logit_resize = t;
      logit_resize.upscale = UpscaleRule::kDirect;
      const cv::Mat plain = threshold_logits(upscale_logits(out.mask_logits(0, 0), out.size, logit_resize), 0.0f);
      flips_of_logit_resize += cv::countNonZero((plain != want) & (ambiguous == 0));
      EXPECT_GT(cv::countNonZero(want), 0);
      EXPECT_LT(cv::countNonZero(want), want.rows * want.cols);
    }
  }
  EXPECT_GT(flips_of_logit_resize, 0);
}

}  // namespace
}  // namespace sambench
