// The model profile (model_profile.h): parsed from an export's metadata, every value of the
// model-zoo table accepted, every mistake refused by field name, and SAM's for older exports.

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/model/model_metadata.h"
#include "sambench/model/model_profile.h"

namespace sambench {
namespace {

using nlohmann::json;
using testing::contains;
using testing::error_of;

json metadata_without_profile() {
  return {{"format", "sambench-sam/1"}, {"model_type", "vit_b"},      {"image_size", 1024},
          {"embedding_size", 64},       {"low_res_size", 256},        {"num_mask_outputs", 4},
          {"mask_threshold", 0.0},      {"pixel_mean", {123.675, 116.28, 103.53}},
          {"pixel_std", {58.395, 57.12, 57.375}}};
}

// What the exporter writes for MedSAM (scripts/export_sam.py).
json medsam_profile_json() {
  return {{"name", "medsam"},      {"resize", "square"},  {"resize_filter", "skimage_cubic_aa_uint8"},
          {"normalization", "min_max"}, {"value_range", 255}, {"upscale", "direct"},
          {"input_size", 1024},    {"prompt", "box"},     {"mask_output", "single"},
          {"pad_point", "without_box"}, {"box_position", "last"}};
}

json sam2_profile_json() {
  return {{"name", "sam2"},         {"resize", "square"},  {"resize_filter", "torch_bilinear_aa"},
          {"normalization", "mean_std"}, {"value_range", 1}, {"upscale", "direct"},
          {"input_size", 1024},     {"prompt", "point"},   {"mask_output", "multimask"},
          {"pad_point", "always"},  {"box_position", "first"}};
}

std::string profile_error(const std::string& field, const json& value) {
  json p = medsam_profile_json();
  if (value.is_null()) {
    p.erase(field);
  } else {
    p[field] = value;
  }
  return error_of([&] { parse_model_profile(p, "m.pt"); });
}

TEST(ModelProfile, AnExportWithoutAProfileIsSam) {
  ModelInfo info = parse_model_metadata("m.pt", metadata_without_profile().dump());
  EXPECT_TRUE(info.profile == sam_profile());
  EXPECT_EQ(info.profile.name, "sam");
  EXPECT_EQ(info.profile.resize, ResizeRule::kLongestSide);
  EXPECT_EQ(info.profile.resize_filter, ResizeFilter::kPilBilinear);
  EXPECT_EQ(info.profile.normalization, PixelScaling::kMeanStd);
  EXPECT_EQ(info.profile.upscale, UpscaleRule::kViaInput);
  EXPECT_EQ(info.profile.mask_output, MaskOutput::kMultimask);
  EXPECT_EQ(info.profile.pad_point, PadPoint::kWithoutBox);
  EXPECT_EQ(info.profile.box_position, BoxPosition::kLast);
  EXPECT_EQ(info.profile.value_range, 255);
  EXPECT_EQ(info.profile.input_size, 1024);
}

TEST(ModelProfile, MedSamAndSam2ProfilesParse) {
  json m = metadata_without_profile();
  m["profile"] = medsam_profile_json();
  const ModelProfile medsam = parse_model_metadata("m.pt", m.dump()).profile;
  EXPECT_EQ(medsam.name, "medsam");
  EXPECT_EQ(medsam.resize, ResizeRule::kSquare);
  EXPECT_EQ(medsam.resize_filter, ResizeFilter::kSkimageCubicAaUint8);
  EXPECT_EQ(medsam.normalization, PixelScaling::kMinMax);
  EXPECT_EQ(medsam.upscale, UpscaleRule::kDirect);
  EXPECT_EQ(medsam.prompt, PromptKind::kBox);
  EXPECT_EQ(medsam.mask_output, MaskOutput::kSingle);
  EXPECT_TRUE(medsam != sam_profile());

  const ModelProfile sam2 = parse_model_profile(sam2_profile_json(), "m.pt");
  EXPECT_EQ(sam2.resize_filter, ResizeFilter::kTorchBilinearAa);
  EXPECT_EQ(sam2.value_range, 1);
  EXPECT_EQ(sam2.pad_point, PadPoint::kAlways);
  EXPECT_EQ(sam2.box_position, BoxPosition::kFirst);
}

TEST(ModelProfile, JsonRoundTripsEveryField) {
  for (const json& written : {medsam_profile_json(), sam2_profile_json(), to_json(sam_profile())}) {
    const ModelProfile p = parse_model_profile(written, "m.pt");
    EXPECT_EQ(to_json(p), written);
    EXPECT_EQ(to_json(p).size(), profile_fields().size());
  }
  EXPECT_EQ(to_json(sam_profile()).at("resize"), "longest_side");
  EXPECT_EQ(to_json(sam_profile()).at("upscale"), "via_input");
}

TEST(ModelProfile, UnknownMissingOrMistypedFieldsAreRefusedByName) {
  EXPECT_EQ(profile_error("name", "medsam"), "(no error)");
  EXPECT_EQ(profile_error("resize", "stretch"),
            "m.pt: model metadata: profile field 'resize' must be one of 'longest_side', 'square', not \"stretch\"");
  EXPECT_TRUE(contains(profile_error("resize_filter", "nearest"), "profile field 'resize_filter' must be one of"));
  EXPECT_TRUE(contains(profile_error("normalization", 3), "'normalization' must be one of 'mean_std', 'min_max', not 3"));
  EXPECT_TRUE(contains(profile_error("value_range", 100), "'value_range' must be one of 255, 1, not 100"));
  EXPECT_TRUE(contains(profile_error("value_range", "255"), "'value_range' must be one of 255, 1"));
  EXPECT_TRUE(contains(profile_error("input_size", 100000), "'input_size' must be an integer from 16 to 4096"));
  EXPECT_TRUE(contains(profile_error("prompt", "mask"), "'prompt' must be one of 'point', 'box'"));
  EXPECT_TRUE(contains(profile_error("mask_output", "all"), "'mask_output' must be one of"));
  EXPECT_TRUE(contains(profile_error("pad_point", "never"), "'pad_point' must be one of"));
  EXPECT_TRUE(contains(profile_error("box_position", "middle"), "'box_position' must be one of"));
  EXPECT_TRUE(contains(profile_error("name", "Med SAM"), "'name' must be 1 to 32 characters"));
  EXPECT_EQ(profile_error("upscale", json()), "m.pt: model metadata: profile field 'upscale' is missing");
  EXPECT_TRUE(contains(profile_error("colour", "rgb"), "m.pt: model metadata: unknown profile field 'colour'"));
  EXPECT_TRUE(contains(error_of([] { parse_model_profile(json::array(), "m.pt"); }),
                       "m.pt: model metadata 'profile' must be an object"));
}

TEST(ModelProfile, InputSizeMustBeTheImageSize) {
  json m = metadata_without_profile();
  m["profile"] = medsam_profile_json();
  m["profile"]["input_size"] = 512;
  EXPECT_TRUE(contains(error_of([&] { parse_model_metadata("m.pt", m.dump()); }),
                       "m.pt: model metadata 'profile.input_size' must be image_size = 1024, not 512"));
}

TEST(ModelProfile, SetFieldAndDescribe) {
  ModelProfile p = sam_profile();
  set_profile_field(p, "upscale", "direct");
  EXPECT_EQ(p.upscale, UpscaleRule::kDirect);
  EXPECT_EQ(profile_field_value(p, "upscale"), "direct");
  EXPECT_EQ(error_of([&] { set_profile_field(p, "resise", "square"); }),
            "unknown profile field 'resise' (expected one of: name, resize, resize_filter, normalization, "
            "value_range, upscale, input_size, prompt, mask_output, pad_point, box_position)");
  EXPECT_EQ(describe(sam_profile()),
            "name=sam resize=longest_side resize_filter=pil_bilinear normalization=mean_std value_range=255 "
            "upscale=via_input input_size=1024 prompt=point mask_output=multimask pad_point=without_box "
            "box_position=last");
}

}  // namespace
}  // namespace sambench
