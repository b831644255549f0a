#pragma once

// The "sambench.json" metadata that scripts/export_sam.py writes into a model, parsed and checked
// on its own (no LibTorch), so that a hostile or hand-edited file is refused by name before any
// tensor is sized from it.

#include <filesystem>
#include <string>

#include "sambench/model/sam_model.h"

namespace sambench {

// The image encoders export_sam.py knows, to check a model's claimed type against its network:
// the width (channels into the neck: a ViT's embedding width) and the depth (blocks in all).
struct EncoderShape {
  std::string model_type;
  int embed_dim;
  int depth;
};
const std::vector<EncoderShape>& known_encoders();

// Patch size of every SAM image encoder: image_size = kPatchSize * embedding_size.
inline constexpr int kPatchSize = 16;

// Parses the metadata text into a ModelInfo (path set, sha256 and device left empty). Throws
// Error(path, …) naming the field when one is missing, of the wrong type or out of range:
// image_size 16..4096 and kPatchSize * embedding_size, low_res_size 4 * embedding_size,
// num_mask_outputs 1..16, a finite mask_threshold, pixel_mean in 0..255 and pixel_std in
// (0, 255], a "profile" as model_profile.h parses it (SAM's when absent) whose input_size is
// image_size. A model_type among known_encoders() is checked against the network by SamModel::load.
ModelInfo parse_model_metadata(const std::filesystem::path& path, const std::string& text);

}  // namespace sambench
