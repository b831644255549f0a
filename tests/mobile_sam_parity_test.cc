// MobileSAM parity with its official code. scripts/make_mobile_sam_fixtures.py ran the official
// MobileSAM SamPredictor on seeded random weights and wrote what it computed to
// tests/fixtures/mobile_sam; sambench's pipeline must reproduce it from export_sam.py's export
// of the same weights (the export_mobile_sam_model test makes it, with the seed the manifest names).

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
#include "sambench/model/mask_policy.h"
#include "sambench/model/model_profile.h"
#include "sambench/model/postprocess.h"
#include "sambench/model/sam_model.h"
#include "sambench/prompts/decoder_prompt.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr float kInputTolerance = 1e-6f;  // the bounds
constexpr float kLogitTolerance = 1e-4f;

fs::path fixture_dir() { return fs::path(SAMBENCH_SOURCE_DIR) / "tests" / "fixtures" / "mobile_sam"; }
fs::path mobile_sam_model() { return testing::test_assets() / "mobile_sam.pt"; }

json manifest() {
  std::ifstream in(fixture_dir() / "manifest.json");
  if (!in) throw std::runtime_error("no MobileSAM fixtures: make them with scripts/make_mobile_sam_fixtures.py");
  return json::parse(in);
}

std::vector<float> read_f32(const std::string& name, size_t count) {
  return testing::read_raw_values<float>(fixture_dir() / name, count);
}

using testing::max_abs_diff;

Prompt prompt_from(const json& j) { return testing::parity_prompt(j); }

// The official model input [3, S, S]: the resized image's values through the official
// normalisation table (one value per channel and uint8 level), zero in the padding.
std::vector<float> official_input(const cv::Mat& resized, const std::vector<float>& table, int size) {
  std::vector<float> input(static_cast<size_t>(3) * size * size, 0.0f);
  for (int y = 0; y < resized.rows; ++y) {
    const uchar* row = resized.ptr<uchar>(y);
    for (int x = 0; x < resized.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        input[(static_cast<size_t>(c) * size + y) * size + x] = table[c * 256 + row[3 * x + c]];
      }
    }
  }
  return input;
}

class MobileSamParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_threads(2);
    model_ = new SamModel(SamModel::load(mobile_sam_model(), "cpu"));
  }
  static void TearDownTestSuite() { delete model_; }
  static SamModel* model_;
};

SamModel* MobileSamParity::model_ = nullptr;

TEST_F(MobileSamParity, FixturesCoverSizesAspectRatiosAndPromptKinds) {
  json m = manifest();
  ASSERT_GE(m["cases"].size(), 3u);
  bool portrait = false, landscape = false, upscaled = false, downscaled = false, box = false, point = false;
  for (const auto& c : m["cases"]) {
    EXPECT_GE(c["prompts"].size(), 3u);
    portrait |= c["height"] > c["width"];
    landscape |= c["height"] < c["width"];
    const int longest = std::max(c["height"].get<int>(), c["width"].get<int>());
    upscaled |= longest < 1024;
    downscaled |= longest > 1024;
    for (const auto& p : c["prompts"]) {
      box |= !p["box"].is_null();
      point |= !p["points"].empty();
    }
  }
  EXPECT_TRUE(portrait && landscape && upscaled && downscaled && box && point);
}

TEST_F(MobileSamParity, ModelIsTheExportOfTheFixturesWeights) {
  EXPECT_EQ(model_->info().model_type, "mobile_sam");
  // MobileSAM runs SAM's pipeline, which is what the fixtures' SamPredictor ran.
  EXPECT_TRUE(model_->info().profile == sam_profile()) << to_json(model_->info().profile).dump();
  EXPECT_TRUE(model_->info().metadata.contains("profile"));
  EXPECT_EQ(model_->info().metadata.value("seed", -1), manifest()["weights_seed"].get<int>());
}

// One test walks the whole pipeline per image, so each image is encoded once.
TEST_F(MobileSamParity, InputEmbeddingLogitsIousAndKeptMasksMatchTheOfficialCode) {
  const ModelInfo& info = model_->info();
  const size_t e = static_cast<size_t>(info.embedding_size) * info.embedding_size;
  const size_t lr = static_cast<size_t>(info.low_res_size) * info.low_res_size;
  const json m = manifest();  // named: a range over manifest()["cases"] would outlive its json
  ASSERT_GE(m["cases"].size(), 3u);
  for (const auto& c : m["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    cv::Mat rgb = read_rgb(fixture_dir() / c["image"].get<std::string>());
    ResizeTransform t = longest_side_transform(rgb.rows, rgb.cols, info.image_size);
    ASSERT_EQ(t.new_h, c["resized_height"].get<int>());
    ASSERT_EQ(t.new_w, c["resized_width"].get<int>());

    // The official resize (torchvision through PIL) bit for bit, and the model input within 1e-6.
    cv::Mat resized = read_rgb(fixture_dir() / c["resized"].get<std::string>());
    cv::Mat ours_resized = pil_resize_bilinear(rgb, t.new_w, t.new_h);
    EXPECT_EQ(cv::norm(ours_resized, resized, cv::NORM_INF), 0.0);
    std::vector<float> input = make_model_input(rgb, t, info.profile, info.normalization);
    std::vector<float> ref_input = official_input(resized, read_f32(c["input_table"], 3 * 256), info.image_size);
    EXPECT_LE(max_abs_diff(input.data(), ref_input.data(), input.size()), kInputTolerance);

    Embedding embedding = model_->encode(input);
    const std::vector<float> values = embedding_values(embedding).features.at(0).values;
    const auto channels = c["embedding_channels"].get<std::vector<int>>();
    auto ref_embedding = read_f32(c["embedding"], channels.size() * e);
    for (size_t k = 0; k < channels.size(); ++k) {
      EXPECT_LE(max_abs_diff(values.data() + channels[k] * e, ref_embedding.data() + k * e, e), kLogitTolerance)
          << "embedding channel " << channels[k];
    }

    for (const auto& p : c["prompts"]) {
      SCOPED_TRACE(p["kind"].get<std::string>());
      // The official predictor decodes one prompt at a time; so does this.
      DecodeOutput out = model_->decode(embedding, {to_decoder_prompt(prompt_from(p), t, info.profile)}, {});
      ASSERT_EQ(out.masks, 4);
      const auto ref_iou = p["iou"].get<std::vector<float>>();
      EXPECT_LE(max_abs_diff(out.iou.data(), ref_iou.data(), 4), kLogitTolerance);
      const int kept = choose_mask(out.iou.data(), out.masks, MaskPolicy::kBestScore);
      EXPECT_EQ(kept, p["kept"].get<int>());
      auto ref_low_res = read_f32(p["low_res_logits"], lr);
      EXPECT_LE(max_abs_diff(out.mask_logits(0, kept), ref_low_res.data(), lr), kLogitTolerance);

      // The kept mask at full size, upscaled with its two multimask siblings as SamPredictor does,
      // wherever the official logit is clearly decided (|logit| > 1e-3).
      std::vector<cv::Mat> up = upscale_logits({out.mask_logits(0, 1), out.mask_logits(0, 2), out.mask_logits(0, 3)},
                                               out.size, t);
      const cv::Mat& ours = up[static_cast<size_t>(p["kept"].get<int>() - 1)];
      cv::Mat mask = read_label_map(fixture_dir() / p["mask"].get<std::string>());
      cv::Mat decided = read_label_map(fixture_dir() / p["decided"].get<std::string>());
      ASSERT_EQ(mask.size(), ours.size());
      size_t clear = 0, flipped = 0;
      for (int y = 0; y < ours.rows; ++y) {
        for (int x = 0; x < ours.cols; ++x) {
          if (!decided.at<uchar>(y, x)) continue;
          ++clear;
          flipped += (ours.at<float>(y, x) > info.mask_threshold) != (mask.at<uchar>(y, x) != 0);
        }
      }
      EXPECT_EQ(flipped, 0u);
      EXPECT_GT(clear, ours.total() / 2);
    }
  }
}

// ---- The claimed model type is checked against a TinyViT network. ----

std::string load_error_with_type(const std::string& model_type) {
  torch::jit::ExtraFilesMap extra{{"sambench.json", ""}};
  torch::jit::Module module = torch::jit::load(mobile_sam_model().string(), torch::kCPU, extra);
  json metadata = json::parse(extra["sambench.json"]);
  metadata["model_type"] = model_type;
  testing::TempDir dir;
  module.save((dir / "edited.pt").string(), {{"sambench.json", metadata.dump()}});
  try {
    SamModel::load(dir / "edited.pt", "cpu");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(MobileSamLoad, TinyVitNetworkIsCheckedAgainstTheClaimedType) {
  EXPECT_EQ(load_error_with_type("mobile_sam"), "(no error)");
  const std::string error = load_error_with_type("vit_b");
  EXPECT_TRUE(testing::contains(error, "model metadata 'model_type' is vit_b (width 768, 12 blocks) but the network's "
                                       "image encoder has width 320 and 12 blocks"))
      << error;
}

}  // namespace
}  // namespace sambench
