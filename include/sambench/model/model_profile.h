#pragma once

// A model's profile: everything about its own pipeline that differs between the SAM family's
// models (how an image becomes the model's input, how logits return to the image, which prompt
// and mask output it was trained for), so that the harness follows the profile and never asks
// which model it runs. scripts/export_sam.py writes it as "profile" in the model's sambench.json;
// an export without one is read as SAM's. No OpenCV and no LibTorch here (the model-only build).

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sambench {

// How the image is resized to the encoder's square input.
enum class ResizeRule {
  kLongestSide,  // "longest_side": longest side to input_size, aspect kept, zero pad bottom/right (SAM)
  kSquare,       // "square": both sides to input_size, aspect ignored (MedSAM, SAM 2.1)
};

// The resampling filter of that resize.
enum class ResizeFilter {
  kPilBilinear,          // "pil_bilinear": PIL's antialiased bilinear on uint8 (SAM)
  kSkimageCubicAaUint8,  // "skimage_cubic_aa_uint8": scikit-image resize, order 3, anti-aliased, back to uint8 (MedSAM)
  kTorchBilinearAa,      // "torch_bilinear_aa": F.interpolate bilinear, antialias, on floats (SAM 2.1)
};

// How resized pixels become input values.
enum class PixelScaling {
  kMeanStd,  // "mean_std": (x - pixel_mean) / pixel_std per channel (SAM, SAM 2.1)
  kMinMax,   // "min_max": (x - min) / max(max - min, 1e-8) over the whole image (MedSAM)
};

// How the decoder's low-res logits return to the image's H x W.
enum class UpscaleRule {
  kViaInput,  // "via_input": to input_size, crop the resized part, to H x W (SAM)
  kDirect,    // "direct": straight to H x W (MedSAM, SAM 2.1)
};

// The prompt the model was trained for (informational: shown and reported, never enforced).
enum class PromptKind { kPoint, kBox };

// The mask output the model's own pipeline asks for.
enum class MaskOutput {
  kMultimask,  // "multimask": the three multimask outputs (SAM)
  kSingle,     // "single": the single-mask output (MedSAM)
};

// When the decoder prompt gets the (0, 0) / -1 padding point.
enum class PadPoint {
  kWithoutBox,  // "without_box": only when the prompt has no box (SamPredictor)
  kAlways,      // "always": every prompt (SAM 2.1)
};

// Where a box's two corner points go among the prompt's points.
enum class BoxPosition { kLast, kFirst };

struct ModelProfile {
  std::string name = "sam";  // the profile's name: "sam", "medsam", "sam2"
  ResizeRule resize = ResizeRule::kLongestSide;
  ResizeFilter resize_filter = ResizeFilter::kPilBilinear;
  PixelScaling normalization = PixelScaling::kMeanStd;
  int value_range = 255;  // the pixel values' range before resizing: 255 (0..255) or 1 (x / 255)
  UpscaleRule upscale = UpscaleRule::kViaInput;
  int input_size = 1024;  // the encoder's square input side (= the metadata's image_size)
  PromptKind prompt = PromptKind::kPoint;
  MaskOutput mask_output = MaskOutput::kMultimask;
  PadPoint pad_point = PadPoint::kWithoutBox;
  BoxPosition box_position = BoxPosition::kLast;

  bool operator==(const ModelProfile& other) const;
  bool operator!=(const ModelProfile& other) const { return !(*this == other); }
};

// The profile of SAM (and MobileSAM) with the given input size: what an export without a
// "profile" in its metadata gets, so older exports run exactly as before.
ModelProfile sam_profile(int input_size = 1024);

// The profile's field names, in the order describe() lists them.
const std::vector<std::string>& profile_fields();

// Parses a "profile" object. Every field is required; throws Error(file, ...) naming the field
// and the accepted values when one is missing, unknown or of the wrong type, or when the object
// has a field not in profile_fields().
ModelProfile parse_model_profile(const nlohmann::json& profile, const std::filesystem::path& file);

// Sets one field from its JSON value (as written in the metadata or a config's model.profile);
// throws Error (without a file) naming the field and the accepted values.
void set_profile_field(ModelProfile& profile, const std::string& field, const nlohmann::json& value);

// The profile as written in the metadata: every field, strings for the enums.
nlohmann::json to_json(const ModelProfile& profile);

// One field's value as JSON (a string, or the number for value_range and input_size).
nlohmann::json profile_field_value(const ModelProfile& profile, const std::string& field);

// "name=medsam resize=square ...": every field on one line, for logs and headers.
std::string describe(const ModelProfile& profile);

}  // namespace sambench
