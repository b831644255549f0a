#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sambench/model/embedding_values.h"
#include "sambench/model/model_input.h"
#include "sambench/model/model_profile.h"

namespace sambench {

struct DeviceDecode;  // device_decode.h: the decoder's output left on the model's device

// What the exported model says about itself (its "sambench.json" extra file), plus its hash.
struct ModelInfo {
  std::filesystem::path path;
  std::string sha256;
  std::string model_type;
  std::string device;  // where it runs: "cpu", "cuda:0", ...
  std::string precision = "fp32";  // the image encoder's dtype (SamModel::load)
  int image_size = 1024;
  int embedding_size = 64;
  int low_res_size = 256;
  int num_mask_outputs = 4;
  float mask_threshold = 0.0f;
  Normalization normalization{};
  // encode takes [B,3,S,S] and on a CPU computes image by image, so an image's embedding has
  // the same bits in any batch (metadata "batched_encode", exports since encode_batch).
  bool batched_encode = false;
  // The pipeline the run follows: the model's own (metadata "profile"; SAM's for exports without
  // one), unless a config overrode fields (SamModel::override_profile), listed in profile_overrides
  // as {field: {"model": own value, "run": value used}}.
  ModelProfile profile;
  // The feature tensors an embedding holds, in the order decode takes them before the prompt:
  // [256,E,E] for SAM; SAM 2.1 adds its two high-resolution maps. Decided once, from the
  // profile, by parse_model_metadata; SamModel::load checks the network against it.
  std::vector<FeatureShape> features;
  // The bound on the low-res logits the model's predictor hands back (for a next round's mask
  // input, or to save): SAM2ImagePredictor clamps them to +-32; 0: none (SamPredictor).
  float low_res_logit_bound = 0.0f;
  nlohmann::json profile_overrides = nlohmann::json::object();
  nlohmann::json metadata;  // the extra file as written by scripts/export_sam.py
};

// An encoded image: its feature tensors (ModelInfo::features). Opaque so that callers need no
// LibTorch headers; it stays on the model's device, so all prompts of the image are decoded
// without copying it back.
class Embedding {
 public:
  struct Impl;
  explicit Embedding(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

// Decoder output for a batch of B prompts, on the host.
struct DecodeOutput {
  int batch = 0;
  int masks = 0;     // outputs per prompt: 0 single-mask, 1..3 multimask
  int size = 0;      // low-res side (256)
  std::vector<float> iou;      // B x masks predicted IoU
  std::vector<float> logits;   // B x masks x size x size

  const float* mask_logits(int prompt, int mask) const {
    return logits.data() + (static_cast<size_t>(prompt) * masks + mask) * size * size;
  }
  float score(int prompt, int mask) const { return iou[prompt * masks + mask]; }
};

// A SAM exported by scripts/export_sam.py: TorchScript with `encode` and `decode` methods.
class SamModel {
 public:
  // Loads and checks the interface (methods, metadata, decoder output shapes). Throws Error with
  // one line naming the file when it is missing, not TorchScript, or not a sambench SAM export.
  // device: "auto" picks CUDA when LibTorch has it. precision: the image encoder's dtype, "fp32",
  // "bf16" or "fp16" (CUDA only: LibTorch's CPU kernels lack half-precision matmul and
  // convolution); the encoder's weights and input are cast to it and its embedding back to
  // float32, so the decoder and everything after it stay float32.
  static SamModel load(const std::filesystem::path& path, const std::string& device,
                       const std::string& precision = "fp32");

  const ModelInfo& info() const;

  // Applies a config's model.profile overrides (model_profile.h) to info().profile and records
  // them in info().profile_overrides. Throws Error naming the field.
  void override_profile(const nlohmann::json& overrides);

  // input: [3, image_size, image_size] planar floats from make_model_input.
  Embedding encode(const std::vector<float>& input) const;

  // Several inputs in one call of the model's encode, embeddings in input order. Each embedding
  // has the bits encode(input) gives on a CPU; on a GPU the batch runs as one pass, whose
  // kernels may differ from a single image's in the last bits. Exports without batched_encode
  // take one call per input on a CPU (a CPU BLAS gives rows other bits in a larger call).
  std::vector<Embedding> encode_batch(const std::vector<const std::vector<float>*>& inputs) const;

  // An embedding from its host values (embedding_values), e.g. read from a cache. Throws Error when
  // their shapes are not the model's features.
  Embedding embedding_from_values(const EmbeddingValues& values) const;

  // All prompts must have the same number of points (SAM has no per-prompt masking of padding).
  // mask_input: empty, or B x size x size low-res logits fed back as SAM's dense prompt.
  DecodeOutput decode(const Embedding& embedding, const std::vector<DecoderPrompt>& prompts,
                      const std::vector<float>& mask_input = {}) const;

  // The same call with the logits left on the model's device (only the predicted IoUs come
  // back), for the steps after the decoder to run there (mask_tensors.h). decode is this call
  // followed by the logits' copy to the host.
  DeviceDecode decode_on_device(const Embedding& embedding, const std::vector<DecoderPrompt>& prompts,
                                const std::vector<float>& mask_input = {}) const;

 private:
  struct Impl;
  explicit SamModel(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// A model file's metadata (its sambench.json: type, sizes, profile) read without loading the
// network, for commands that only describe the model (inspect). Throws Error as SamModel::load.
ModelInfo read_model_info(const std::filesystem::path& path);

// The embedding's features on the host, with their shapes; for caches, training and tests.
EmbeddingValues embedding_values(const Embedding& embedding);

// Whether an optimized BLAS (OpenBLAS) is loaded. Debian's LibTorch links the generic
// libblas.so.3, which is the ~20x slower reference BLAS unless libopenblas0 provides it.
bool optimized_blas_loaded();

// Prompts per decoder call when the config leaves it to the device: on a CPU a batch of 16
// prompts costs more per prompt than one at a time (measured here: 0.63 s against 0.41 s per
// prompt, small model, 1 thread), while a GPU's large batches pay (untested here).
int default_decode_batch(const std::string& device);

// Images per encoder call when the config leaves it to the device: on a CPU a batch gains
// nothing (each image's matrix products already have 4096 rows), so 1; on a GPU 8, where a batch
// fills the device (segment-anything-fast measured its best ViT-H rate at batch 8 on an A100).
int default_encode_batch(const std::string& device);

// Sets LibTorch's intra-op thread count (it starts at 1); 0 means one per core. Returns the count.
int set_threads(int threads);

}  // namespace sambench
