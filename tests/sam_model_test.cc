// Parity with the official pipeline: the Python reference (tests/fixtures/
// make_parity_reference.py) runs SamPredictor's steps with PIL and the eager PyTorch model;
// the C++ pipeline must reproduce them from the exported TorchScript.

#include "sambench/model/sam_model.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
#include "sambench/model/postprocess.h"
#include "sambench/prompts/decoder_prompt.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr float kTolerance = 1e-4f;  // the issue's bound for logits and IoUs

fs::path parity_dir() { return testing::test_assets() / "parity"; }

json manifest() {
  std::ifstream in(parity_dir() / "manifest.json");
  if (!in) throw std::runtime_error("no parity manifest: run the make_parity_reference test first");
  return json::parse(in);
}

template <typename T>
std::vector<T> read_raw(const std::string& name, size_t count) {
  return testing::read_raw_values<T>(parity_dir() / name, count);
}

using testing::max_abs_diff;

Prompt prompt_from(const json& j) { return testing::parity_prompt(j); }

class SamParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_threads(2);
    model_ = new SamModel(SamModel::load(testing::small_model(), "cpu"));
  }
  static void TearDownTestSuite() { delete model_; }
  static SamModel* model_;
};

SamModel* SamParity::model_ = nullptr;

TEST_F(SamParity, ManifestHasSeveralSizesAndPromptKinds) {
  json m = manifest();
  ASSERT_GE(m["cases"].size(), 5u);
  bool portrait = false, landscape = false, box = false, mask_input = false;
  for (const auto& c : m["cases"]) {
    portrait |= c["height"] > c["width"];
    landscape |= c["height"] < c["width"];
    mask_input |= !c["mask_input"].is_null();
    for (const auto& p : c["prompts"]) box |= !p["box"].is_null();
  }
  EXPECT_TRUE(portrait && landscape && box && mask_input);
}

TEST_F(SamParity, PilResizeIsBitExact) {
  const json m = manifest();  // named: a range over manifest()["cases"] would outlive its json
  ASSERT_GE(m["cases"].size(), 5u);
  for (const auto& c : m["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    cv::Mat rgb = read_rgb(parity_dir() / c["image"].get<std::string>());
    ResizeTransform t = longest_side_transform(rgb.rows, rgb.cols, 1024);
    ASSERT_EQ(t.new_h, c["resized_height"].get<int>());
    ASSERT_EQ(t.new_w, c["resized_width"].get<int>());
    cv::Mat ours = pil_resize_bilinear(rgb, t.new_w, t.new_h);
    auto pil = read_raw<uchar>(c["resized"], static_cast<size_t>(t.new_h) * t.new_w * 3);
    size_t mismatches = 0;
    for (size_t i = 0; i < pil.size(); ++i) mismatches += ours.data[i] != pil[i];
    EXPECT_EQ(mismatches, 0u);
  }
}

TEST_F(SamParity, PromptCoordinatesMatch) {
  const json m = manifest();  // named: a range over manifest()["cases"] would outlive its json
  ASSERT_GE(m["cases"].size(), 5u);
  for (const auto& c : m["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    ResizeTransform t = longest_side_transform(c["height"], c["width"], 1024);
    auto shape = c["coords_shape"];
    size_t b = shape[0], n = shape[1];
    auto coords = read_raw<float>(c["coords"], b * n * 2);
    auto labels = read_raw<float>(c["labels"], b * n);
    ASSERT_EQ(c["prompts"].size(), b);
    for (size_t i = 0; i < b; ++i) {
      DecoderPrompt d = to_decoder_prompt(prompt_from(c["prompts"][i]), t, sam_profile());
      ASSERT_EQ(static_cast<size_t>(d.size()), n);
      EXPECT_EQ(d.coords, std::vector<float>(coords.begin() + i * n * 2, coords.begin() + (i + 1) * n * 2));
      EXPECT_EQ(d.labels, std::vector<float>(labels.begin() + i * n, labels.begin() + (i + 1) * n));
    }
  }
}

// One test walks the whole pipeline per case, so each image is encoded once.
TEST_F(SamParity, InputEmbeddingLogitsIousAndMasksMatchPython) {
  const ModelInfo& info = model_->info();
  const json m = manifest();  // named: a range over manifest()["cases"] would outlive its json
  ASSERT_GE(m["cases"].size(), 5u);
  for (const auto& c : m["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    cv::Mat rgb = read_rgb(parity_dir() / c["image"].get<std::string>());
    // SAM through its profile (an export with "profile": SAM's): the pipeline the run takes.
    EXPECT_EQ(info.profile, sam_profile());
    ResizeTransform t = model_transform(info.profile, rgb.rows, rgb.cols);

    std::vector<float> input = make_model_input(rgb, t, info.profile, info.normalization);
    auto ref_input = read_raw<float>(c["input"], input.size());
    EXPECT_LE(max_abs_diff(input.data(), ref_input.data(), input.size()), 1e-6f);

    Embedding embedding = model_->encode(input);
    std::vector<float> values = embedding_values(embedding).features.at(0).values;
    auto ref_embedding = read_raw<float>(c["embedding"], values.size());
    EXPECT_LE(max_abs_diff(values.data(), ref_embedding.data(), values.size()), kTolerance);

    std::vector<DecoderPrompt> prompts;
    for (const auto& p : c["prompts"]) prompts.push_back(to_decoder_prompt(prompt_from(p), t, info.profile));
    const size_t b = prompts.size(), lr = static_cast<size_t>(info.low_res_size) * info.low_res_size;
    std::vector<float> mask_input;
    if (!c["mask_input"].is_null()) mask_input = read_raw<float>(c["mask_input"], b * lr);

    DecodeOutput out = model_->decode(embedding, prompts, mask_input);
    auto ref_logits = read_raw<float>(c["low_res_logits"], out.logits.size());
    auto ref_iou = read_raw<float>(c["iou"], out.iou.size());
    EXPECT_LE(max_abs_diff(out.logits.data(), ref_logits.data(), ref_logits.size()), kTolerance);
    EXPECT_LE(max_abs_diff(out.iou.data(), ref_iou.data(), ref_iou.size()), kTolerance);

    // Full-resolution logits, and the binary masks wherever the logit is clearly non-zero
    // (random weights leave many logits within rounding distance of the threshold).
    const size_t hw = static_cast<size_t>(t.orig_h) * t.orig_w;
    auto ref_up = read_raw<float>(c["upscaled_logits"], b * out.masks * hw);
    for (int p = 0; p < out.batch; ++p) {
      for (int k = 0; k < out.masks; ++k) {
        cv::Mat up = upscale_logits(out.mask_logits(p, k), out.size, t);
        const float* ref = ref_up.data() + (static_cast<size_t>(p) * out.masks + k) * hw;
        EXPECT_LE(max_abs_diff(up.ptr<float>(), ref, hw), kTolerance);
        size_t decided = 0, flipped = 0;
        const float* ours = up.ptr<float>();
        for (size_t i = 0; i < hw; ++i) {
          if (std::fabs(ref[i]) <= 1e-3f) continue;
          ++decided;
          flipped += (ours[i] > 0) != (ref[i] > 0);
        }
        EXPECT_EQ(flipped, 0u);
        EXPECT_GT(decided, hw / 2);
      }
    }
  }
}

// ---- A model with the wrong interface is refused at load time, with one clear line. ----

std::string load_error(const fs::path& path) {
  try {
    SamModel::load(path, "cpu");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kMetadata =
    R"({"format": "sambench-sam/1", "model_type": "fake", "image_size": 1024,
        "embedding_size": 64, "low_res_size": 256, "num_mask_outputs": 4, "mask_threshold": 0.0,
        "pixel_mean": [123.675, 116.28, 103.53], "pixel_std": [58.395, 57.12, 57.375]})";

void save_module(const fs::path& path, const std::string& source, bool with_metadata,
                 const std::string& metadata = kMetadata) {
  torch::jit::Module m("Fake");
  m.define(source);
  torch::jit::ExtraFilesMap extra;
  if (with_metadata) extra["sambench.json"] = metadata;
  m.save(path.string(), extra);
}

TEST(SamModelLoad, MissingFile) {
  EXPECT_EQ(load_error("/nonexistent/sam.pt"), "/nonexistent/sam.pt: model file not found");
}

TEST(SamModelLoad, NotTorchScript) {
  testing::TempDir dir;
  testing::write_text(dir / "sam.pt", "PK but not really a zip");
  std::string error = load_error(dir / "sam.pt");
  EXPECT_NE(error.find("sam.pt: not a loadable TorchScript model"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(SamModelLoad, TorchScriptWithoutMetadata) {
  testing::TempDir dir;
  save_module(dir / "m.pt", "def forward(self, x: Tensor) -> Tensor:\n  return x\n", false);
  EXPECT_NE(load_error(dir / "m.pt").find("without sambench.json metadata"), std::string::npos);
}

TEST(SamModelLoad, MissingDecodeMethod) {
  testing::TempDir dir;
  save_module(dir / "m.pt", "def encode(self, x: Tensor) -> Tensor:\n  return x\n", true);
  EXPECT_NE(load_error(dir / "m.pt").find("has no 'decode' method"), std::string::npos);
}

// An encoder that returns its input, and a decoder that returns `masks` outputs of zeros.
std::string fake_sam(int masks) {
  std::string m = std::to_string(masks);
  return "def encode(self, x: Tensor) -> Tensor:\n"
         "  return x\n"
         "def decode(self, e: Tensor, c: Tensor, l: Tensor, m: Optional[Tensor]) -> Tuple[Tensor, Tensor]:\n"
         "  b = c.size(0)\n"
         "  return torch.zeros([b, " + m + ", 256, 256]), torch.zeros([b, " + m + "])\n";
}

TEST(SamModelLoad, DecoderWithWrongOutputShapes) {
  testing::TempDir dir;
  save_module(dir / "m.pt", fake_sam(3), true);
  std::string error = load_error(dir / "m.pt");
  EXPECT_NE(error.find("decode returned logits [1,3,256,256]"), std::string::npos) << error;
}

TEST(SamModelLoad, EncoderWithWrongOutputShapeFailsOnFirstImage) {
  testing::TempDir dir;
  save_module(dir / "m.pt", fake_sam(4), true);
  SamModel model = SamModel::load(dir / "m.pt", "cpu");
  EXPECT_EQ(model.info().model_type, "fake");
  std::vector<float> input(3 * 1024 * 1024, 0.0f);
  try {
    model.encode(input);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encode returned [1,3,1024,1024]"), std::string::npos);
  }
}

// ---- An embedding of several features (SAM 2.1's interface), decided at load from the profile. ----

// SAM 2.1's profile: its name gives an embedding three features.
const char* kSam2Profile =
    R"("profile": {"name": "sam2", "resize": "square", "resize_filter": "torch_bilinear_aa",
                   "normalization": "mean_std", "value_range": 1, "upscale": "direct", "input_size": 1024,
                   "prompt": "point", "mask_output": "multimask", "pad_point": "always", "box_position": "first"})";

std::string three_feature_metadata() {
  std::string metadata = kMetadata;
  metadata.insert(metadata.size() - 1, std::string(", ") + kSam2Profile);
  return metadata;
}

// encode makes SAM 2.1's three features from the image's first value v: v, 2v and 3v; decode's
// logits are e0 + 10 e1 + 100 e2, so they show that each feature arrives in its place.
std::string three_feature_sam(const std::string& decode_arguments = "e0: Tensor, e1: Tensor, e2: Tensor") {
  return "def encode(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:\n"
         "  v = x[:, :1, :1, :1]\n"
         "  return torch.zeros([x.size(0), 256, 64, 64]) + v, torch.zeros([x.size(0), 32, 256, 256]) + 2 * v, "
         "torch.zeros([x.size(0), 64, 128, 128]) + 3 * v\n"
         "def decode(self, " + decode_arguments + ", c: Tensor, l: Tensor, m: Optional[Tensor]) -> Tuple[Tensor, Tensor]:\n"
         "  b = c.size(0)\n"
         "  s = e0[0, 0, 0, 0] + 10 * e1[0, 0, 0, 0] + 100 * e2[0, 0, 0, 0]\n"
         "  return torch.zeros([b, 4, 256, 256]) + s, torch.zeros([b, 4]) + s\n";
}

TEST(SamModelFeatures, ThreeFeaturesGoFromEncodeToDecodeInOrder) {
  testing::TempDir dir;
  save_module(dir / "m.pt", three_feature_sam(), true, three_feature_metadata());
  const SamModel model = SamModel::load(dir / "m.pt", "cpu");
  const std::vector<FeatureShape> expected = {{256, 64, 64}, {32, 256, 256}, {64, 128, 128}};
  EXPECT_EQ(model.info().features, expected);
  std::vector<std::vector<float>> inputs = {std::vector<float>(3 * 1024 * 1024, 1.0f),
                                            std::vector<float>(3 * 1024 * 1024, 2.0f)};
  const DecoderPrompt prompt{{300.0f, 400.0f}, {1.0f}};
  const Embedding one = model.encode(inputs[0]);
  EXPECT_EQ(model.decode(one, {prompt}).score(0, 0), 321.0f);  // 1 + 10 * 2 + 100 * 3
  const EmbeddingValues values = embedding_values(one);
  EXPECT_EQ(values.shapes(), expected);
  EXPECT_EQ(values.features[1].values.front(), 2.0f);
  // Back from host values (a cache hit), and in a batch: the same features.
  EXPECT_EQ(model.decode(model.embedding_from_values(values), {prompt}).score(0, 0), 321.0f);
  const std::vector<Embedding> batch = model.encode_batch({&inputs[0], &inputs[1]});
  EXPECT_EQ(embedding_values(batch[0]), values);
  EXPECT_EQ(model.decode(batch[1], {prompt}).score(0, 0), 642.0f);

  EmbeddingValues missing = values;
  missing.features.pop_back();
  EXPECT_TRUE(testing::contains(testing::error_of([&] { model.embedding_from_values(missing); }),
                                "m.pt: embedding of features [256,64,64] [32,256,256], expected [256,64,64] "
                                "[32,256,256] [64,128,128]"));
}

// A SAM 2.1 network recorded as SAM, or a SAM recorded as SAM 2.1, is refused at load in one line.
TEST(SamModelFeatures, DecodeArgumentsMustMatchTheMetadata) {
  testing::TempDir dir;
  save_module(dir / "sam2_as_sam.pt", three_feature_sam(), true);
  EXPECT_EQ(load_error(dir / "sam2_as_sam.pt"),
            (dir / "sam2_as_sam.pt").string() + ": the network's decode takes 3 feature tensor(s) before the "
                                                "prompt, but its metadata describes 1 ([256,64,64])");
  save_module(dir / "sam_as_sam2.pt", fake_sam(4), true, three_feature_metadata());
  EXPECT_TRUE(testing::contains(load_error(dir / "sam_as_sam2.pt"),
                                "decode takes 1 feature tensor(s) before the prompt, but its metadata describes 3"));
}

// An encoder that returns a feature of the wrong shape fails at the first image, naming them all.
TEST(SamModelFeatures, EncoderFeatureShapesAreChecked) {
  testing::TempDir dir;
  std::string source = three_feature_sam();
  const std::string right = "[x.size(0), 64, 128, 128]";
  source.replace(source.find(right), right.size(), "[x.size(0), 64, 64, 64]");
  save_module(dir / "m.pt", source, true, three_feature_metadata());
  const SamModel model = SamModel::load(dir / "m.pt", "cpu");
  const std::string error = testing::error_of([&] { model.encode(std::vector<float>(3 * 1024 * 1024)); });
  EXPECT_TRUE(testing::contains(error, "m.pt: encode returned [1,256,64,64] [1,32,256,256] [1,64,64,64], expected "
                                       "[1,256,64,64] [1,32,256,256] [1,64,128,128]"))
      << error;
}

// ---- encode_batch: several images in one call. ----

// An encoder whose embedding is its image's first value plus the size of the batch it came in.
std::string batch_size_sam() {
  return "def encode(self, x: Tensor) -> Tensor:\n"
         "  return torch.zeros([x.size(0), 256, 64, 64]) + x[:, :1, :1, :1] + x.size(0)\n"
         "def decode(self, e: Tensor, c: Tensor, l: Tensor, m: Optional[Tensor]) -> Tuple[Tensor, Tensor]:\n"
         "  b = c.size(0)\n"
         "  return torch.zeros([b, 4, 256, 256]), torch.zeros([b, 4])\n";
}

// The first value of each embedding that encode_batch returns for images filled with 10, 20, 30.
std::vector<float> first_values(const SamModel& model) {
  std::vector<std::vector<float>> inputs;
  for (float v : {10.0f, 20.0f, 30.0f}) inputs.emplace_back(3 * 1024 * 1024, v);
  std::vector<float> out;
  for (const Embedding& e : model.encode_batch({&inputs[0], &inputs[1], &inputs[2]})) {
    out.push_back(embedding_values(e).features.at(0).values.front());
  }
  return out;
}

TEST(SamEncodeBatch, OneCallInInputOrder) {
  testing::TempDir dir;
  std::string metadata = kMetadata;
  metadata.insert(metadata.size() - 1, R"(, "batched_encode": true)");
  save_module(dir / "m.pt", batch_size_sam(), true, metadata);
  const SamModel model = SamModel::load(dir / "m.pt", "cpu");
  EXPECT_TRUE(model.info().batched_encode);
  EXPECT_EQ(first_values(model), (std::vector<float>{13, 23, 33}));
}

// Exports before batched_encode give a row other bits in a larger CPU call: one call per image.
TEST(SamEncodeBatch, OlderExportsTakeOneCallPerImageOnACpu) {
  testing::TempDir dir;
  save_module(dir / "m.pt", batch_size_sam(), true);
  const SamModel model = SamModel::load(dir / "m.pt", "cpu");
  EXPECT_FALSE(model.info().batched_encode);
  EXPECT_EQ(first_values(model), (std::vector<float>{11, 21, 31}));
}

// A model that fails inside the TorchScript interpreter gives a one-line Error with the reason.
TEST(SamEncodeBatch, AnEncoderFailingInTheInterpreterIsAnError) {
  testing::TempDir dir;
  save_module(dir / "m.pt",
              "def encode(self, x: Tensor) -> Tensor:\n"
              "  return x.view([7, 256, 64, 64])\n"
              "def decode(self, e: Tensor, c: Tensor, l: Tensor, m: Optional[Tensor]) -> Tuple[Tensor, Tensor]:\n"
              "  b = c.size(0)\n"
              "  return torch.zeros([b, 4, 256, 256]), torch.zeros([b, 4])\n",
              true);
  const SamModel model = SamModel::load(dir / "m.pt", "cpu");
  const std::string error = testing::error_of([&] { model.encode(std::vector<float>(3 * 1024 * 1024)); });
  EXPECT_TRUE(testing::contains(error, "m.pt: encode failed: RuntimeError: shape '[7, 256, 64, 64]' is invalid"))
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(SamEncodeBatch, EachEmbeddingHasItsSingleImageBitsOnACpu) {
  set_threads(2);
  const SamModel model = SamModel::load(testing::small_model(), "cpu");
  ASSERT_TRUE(model.info().batched_encode);
  std::mt19937 random(11);
  std::normal_distribution<float> normal;
  std::vector<std::vector<float>> inputs(2, std::vector<float>(3 * 1024 * 1024));
  for (auto& input : inputs) {
    for (float& v : input) v = normal(random);
  }
  const std::vector<Embedding> batch = model.encode_batch({&inputs[0], &inputs[1]});
  ASSERT_EQ(batch.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(embedding_values(batch[i]), embedding_values(model.encode(inputs[i]))) << "image " << i;
  }
  EXPECT_NE(embedding_values(batch[0]), embedding_values(batch[1]));
}

TEST(SamModelLoad, RealExportCarriesMetadataAndHash) {
  SamModel model = SamModel::load(testing::small_model(), "auto");
  const ModelInfo& info = model.info();
  EXPECT_EQ(info.model_type, "small");
  EXPECT_EQ(info.sha256.size(), 64u);
  EXPECT_EQ(info.image_size, 1024);
  EXPECT_FLOAT_EQ(info.normalization.mean[0], 123.675f);
  EXPECT_TRUE(info.metadata.value("random_init", false));
  EXPECT_EQ(info.precision, "fp32");
}

// ---- model.precision: the image encoder in bf16 or fp16, the rest in float32. ----

std::string precision_error(const fs::path& path, const std::string& precision) {
  try {
    SamModel::load(path, "cpu", precision);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SamPrecision, Bf16EmbeddingIsCloseToFp32) {
  set_threads(2);
  const SamModel fp32 = SamModel::load(testing::small_model(), "cpu");
  const SamModel bf16 = SamModel::load(testing::small_model(), "cpu", "bf16");
  EXPECT_EQ(bf16.info().precision, "bf16");
  EXPECT_EQ(bf16.info().sha256, fp32.info().sha256);  // the same file: the precision is recorded apart
  std::mt19937 random(7);
  std::normal_distribution<float> normal;  // a normalized image's values
  std::vector<float> input(3 * 1024 * 1024);
  for (float& v : input) v = normal(random);
  const std::vector<float> a = embedding_values(fp32.encode(input)).features.at(0).values;
  const std::vector<float> b = embedding_values(bf16.encode(input)).features.at(0).values;  // float32 again
  ASSERT_EQ(a.size(), b.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) diff += double(a[i] - b[i]) * (a[i] - b[i]), norm += double(a[i]) * a[i];
  const double error = std::sqrt(diff / norm);
  std::printf("bf16 vs fp32 embedding, small model: relative L2 error %.5f\n", error);
  // bf16 keeps 8 significant bits (relative rounding 2^-9 = 0.2% per value); a few layers of it
  // give about 1%. 3% is far below what a wrong cast or a garbled layout gives (order 100%), and
  // an error above 1e-4 shows that the encoder really ran in bf16.
  EXPECT_LT(error, 0.03);
  EXPECT_GT(error, 1e-4);
  // The decoder takes the float32 embedding as before.
  DecoderPrompt prompt{{300.0f, 400.0f}, {1.0f}};
  EXPECT_EQ(bf16.decode(bf16.encode(input), {prompt}).masks, 4);
}

TEST(SamPrecision, Fp16OnCpuAndUnknownValuesAreRefused) {
  const std::string fp16 = precision_error(testing::small_model(), "fp16");
  EXPECT_TRUE(testing::contains(fp16, "fp16 needs CUDA")) << fp16;
  EXPECT_TRUE(testing::contains(fp16, "use bf16 on a CPU")) << fp16;
  EXPECT_EQ(fp16.find('\n'), std::string::npos);
  const std::string unknown = precision_error(testing::small_model(), "fp64");
  EXPECT_TRUE(testing::contains(unknown, "'fp64' is not a precision")) << unknown;
}

TEST(SamPrecision, ModelWithoutImageEncoderIsRefusedInBf16) {
  testing::TempDir dir;
  save_module(dir / "m.pt", fake_sam(4), true);
  EXPECT_NO_THROW(SamModel::load(dir / "m.pt", "cpu"));
  const std::string error = precision_error(dir / "m.pt", "bf16");
  EXPECT_TRUE(testing::contains(error, "m.pt: no image_encoder submodule")) << error;
}

}  // namespace
}  // namespace sambench
