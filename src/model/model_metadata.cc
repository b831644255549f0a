#include "sambench/model/model_metadata.h"

#include <cmath>

#include "sambench/base/error.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;

// Every size below sizes a tensor (embedding_size 60000 would ask for terabytes), and the
// normalization divides by pixel_std (0 gives NaN scores): each is checked before use.
void require(bool ok, const fs::path& path, const std::string& field, const std::string& rule,
             const nlohmann::json& value) {
  if (!ok) throw Error(path, "model metadata '" + field + "' must be " + rule + ", not " + value.dump());
}

int integer_field(const nlohmann::json& m, const fs::path& path, const std::string& field, int low, int high) {
  const nlohmann::json& value = m.at(field);
  require(value.is_number_integer() && value.get<long long>() >= low && value.get<long long>() <= high, path, field,
          "an integer from " + std::to_string(low) + " to " + std::to_string(high), value);
  return value.get<int>();
}

std::array<float, 3> channel_values(const nlohmann::json& m, const fs::path& path, const std::string& field,
                                    bool positive) {
  const nlohmann::json& value = m.at(field);
  const std::string rule = positive ? "3 numbers in (0, 255]" : "3 numbers in [0, 255]";
  require(value.is_array() && value.size() == 3, path, field, rule, value);
  std::array<float, 3> out{};
  for (size_t i = 0; i < 3; ++i) {
    const nlohmann::json& v = value[i];
    const double x = v.is_number() ? v.get<double>() : NAN;
    require(std::isfinite(x) && x <= 255 && (positive ? x > 0 : x >= 0), path, field, rule, value);
    out[i] = static_cast<float>(x);
  }
  return out;
}

}  // namespace

const std::vector<EncoderShape>& known_encoders() {
  static const std::vector<EncoderShape> shapes = {
      {"vit_h", 1280, 32}, {"vit_l", 1024, 24}, {"vit_b", 768, 12}, {"medsam_vit_b", 768, 12}, {"small", 96, 2},
      // TinyViT-5M: 320 channels into the neck, 2 + 2 + 6 + 2 blocks.
      {"mobile_sam", 320, 12}};
  return shapes;
}

ModelInfo parse_model_metadata(const fs::path& path, const std::string& text) {
  if (text.empty()) {
    throw Error(path, "TorchScript file without sambench.json metadata; export it with scripts/export_sam.py");
  }
  ModelInfo info;
  info.path = path;
  try {
    info.metadata = nlohmann::json::parse(text);
    const auto& m = info.metadata;
    if (!m.is_object() || m.value("format", "") != "sambench-sam/1") {
      throw Error(path, "unsupported metadata format '" + (m.is_object() ? m.value("format", "") : "") + "'");
    }
    info.model_type = m.at("model_type").get<std::string>();  // a known type is checked at load
    info.embedding_size = integer_field(m, path, "embedding_size", 1, 4096 / kPatchSize);
    const int e = info.embedding_size;
    // The encoder cuts the image into 16-pixel patches, the decoder upscales the embedding 4 times.
    require(m.at("image_size") == kPatchSize * e, path, "image_size",
            std::to_string(kPatchSize) + " x embedding_size = " + std::to_string(kPatchSize * e), m.at("image_size"));
    info.image_size = kPatchSize * e;
    require(m.at("low_res_size") == 4 * e, path, "low_res_size", "4 x embedding_size = " + std::to_string(4 * e),
            m.at("low_res_size"));
    info.low_res_size = 4 * e;
    info.num_mask_outputs = integer_field(m, path, "num_mask_outputs", 1, 16);
    const nlohmann::json& threshold = m.at("mask_threshold");
    require(threshold.is_number() && std::isfinite(threshold.get<double>()), path, "mask_threshold",
            "a finite number", threshold);
    info.mask_threshold = threshold.get<float>();
    info.batched_encode = m.value("batched_encode", false);
    info.normalization.mean = channel_values(m, path, "pixel_mean", false);
    info.normalization.std = channel_values(m, path, "pixel_std", true);
    // Exports made before profiles are SAM's: they keep SAM's pipeline.
    info.profile = m.contains("profile") ? parse_model_profile(m.at("profile"), path) : sam_profile(info.image_size);
    require(info.profile.input_size == info.image_size, path, "profile.input_size",
            "image_size = " + std::to_string(info.image_size), info.profile.input_size);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path, std::string("invalid sambench.json metadata: ") + e.what());
  }
  return info;
}

}  // namespace sambench
