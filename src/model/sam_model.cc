#include "sambench/model/sam_model.h"

#include <fstream>
#include <optional>
#include <thread>

#include <ATen/Parallel.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include "sambench/base/cores.h"
#include "sambench/base/error.h"
#include "sambench/base/hash.h"
#include "sambench/model/device_decode.h"
#include "sambench/model/model_metadata.h"

namespace sambench {

struct Embedding::Impl {
  // ModelInfo::features, each [1, C, H, W] on the model's device (slices of the batch's output)
  std::vector<torch::Tensor> features;
};

struct SamModel::Impl {
  torch::jit::Module module;
  torch::Device device{torch::kCPU};
  torch::ScalarType encoder_dtype = torch::kFloat;
  ModelInfo info;
};

namespace {

namespace fs = std::filesystem;

std::string shape_string(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

torch::Device resolve_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device("cuda:0") : torch::kCPU;
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const c10::Error&) {
    throw Error("--device: '" + name + "' is not a device (use auto, cpu, cuda or cuda:N)");
  }
  if (device.is_cuda() && !torch::cuda::is_available()) {
    throw Error("--device " + name + ": CUDA is not available (LibTorch without CUDA, or no GPU)");
  }
  return device;
}

torch::ScalarType encoder_dtype(const std::string& precision, const torch::Device& device) {
  if (precision == "fp32") return torch::kFloat;
  if (precision == "bf16") return torch::kBFloat16;
  if (precision != "fp16") {
    throw Error("model.precision: '" + precision + "' is not a precision (use fp32, bf16 or fp16)");
  }
  if (!device.is_cuda()) {
    throw Error("model.precision fp16 needs CUDA (device " + device.str() +
                "): LibTorch's CPU kernels have no half-precision matmul or convolution; use bf16 on a CPU");
  }
  return torch::kHalf;
}

// Only the image encoder changes dtype; encode() casts its embedding back to float32.
void cast_encoder(torch::jit::Module& module, torch::ScalarType dtype, const fs::path& path) {
  if (dtype == torch::kFloat) return;
  if (!module.hasattr("image_encoder") || !module.attr("image_encoder").isModule()) {
    throw Error(path, std::string("no image_encoder submodule to run in ") + c10::toString(dtype) +
                          "; export it with scripts/export_sam.py");
  }
  module.attr("image_encoder").toModule().to(dtype);
}

// What the network says about its image encoder: the embedding grid (rows, columns), the width
// (channels into the neck) and the depth (blocks in all).
struct NetworkShape {
  int64_t rows = 0, columns = 0, width = 0, depth = 0;
};

// An export_sam.py ViT: its positional embedding is [1, E, E, width], and it has `depth` blocks.
std::optional<NetworkShape> vit_shape(const torch::jit::Module& encoder) {
  if (!encoder.hasattr("pos_embed") || !encoder.attr("pos_embed").isTensor() || !encoder.hasattr("blocks")) return {};
  const torch::Tensor pos = encoder.attr("pos_embed").toTensor();
  if (pos.dim() != 4) return {};
  const auto depth = static_cast<int64_t>(encoder.attr("blocks").toModule().children().size());
  return NetworkShape{pos.size(1), pos.size(2), pos.size(3), depth};
}

// A TinyViT (scripts/tiny_vit.py): stages `layers`, each with `blocks`; the neck's first
// convolution takes `width` channels; it records its grid as `embedding_size`.
std::optional<NetworkShape> tiny_vit_shape(const torch::jit::Module& encoder) {
  if (!encoder.hasattr("layers") || !encoder.hasattr("neck") || !encoder.hasattr("embedding_size")) return {};
  const torch::jit::Module neck = encoder.attr("neck").toModule();
  if (!neck.hasattr("0") || !neck.attr("0").toModule().hasattr("weight")) return {};
  NetworkShape shape;
  shape.rows = shape.columns = encoder.attr("embedding_size").toInt();
  shape.width = neck.attr("0").toModule().attr("weight").toTensor().size(1);
  for (const torch::jit::Module& stage : encoder.attr("layers").toModule().children()) {
    if (stage.hasattr("blocks")) shape.depth += static_cast<int64_t>(stage.attr("blocks").toModule().children().size());
  }
  return shape;
}

// The encoder's shapes against the metadata, where the network is one of export_sam.py's. A
// mismatch would otherwise surface as a TorchScript error at the first image (a wrong
// embedding_size), or not at all (a small network recorded as vit_h, which hides the
// random-weight warning's context).
void check_encoder(const torch::jit::Module& module, const ModelInfo& info) {
  if (!module.hasattr("image_encoder") || !module.attr("image_encoder").isModule()) return;
  const torch::jit::Module encoder = module.attr("image_encoder").toModule();
  std::optional<NetworkShape> network = vit_shape(encoder);
  if (!network) network = tiny_vit_shape(encoder);
  if (!network) return;
  if (network->rows != info.embedding_size || network->columns != info.embedding_size) {
    throw Error(info.path, "model metadata 'embedding_size' is " + std::to_string(info.embedding_size) +
                               " but the network's image encoder makes " + std::to_string(network->rows) + "x" +
                               std::to_string(network->columns) + " embeddings");
  }
  for (const EncoderShape& shape : known_encoders()) {
    if (shape.model_type != info.model_type) continue;
    if (shape.embed_dim != network->width || shape.depth != network->depth) {
      throw Error(info.path, "model metadata 'model_type' is " + info.model_type + " (width " +
                                 std::to_string(shape.embed_dim) + ", " + std::to_string(shape.depth) +
                                 " blocks) but the network's image encoder has width " +
                                 std::to_string(network->width) + " and " + std::to_string(network->depth) +
                                 " blocks");
    }
  }
}

// The decoder's arguments before the prompt must be the metadata's features: a SAM 2.1 network
// recorded as SAM (or the reverse) would otherwise fail at its first image with a type error.
void check_decode_arguments(const torch::jit::Module& module, const ModelInfo& info) {
  const size_t arguments = module.get_method("decode").function().getSchema().arguments().size();
  const size_t prompt = 3, self = 1;  // point_coords, point_labels, mask_input
  const size_t features = arguments >= self + prompt ? arguments - self - prompt : 0;
  if (features != info.features.size()) {
    throw Error(info.path, "the network's decode takes " + std::to_string(features) +
                               " feature tensor(s) before the prompt, but its metadata describes " +
                               std::to_string(info.features.size()) + " (" + shapes_text(info.features) + ")");
  }
}

// The encoder's output as its feature list: SAM's encode returns one tensor, SAM 2.1's a tuple.
std::vector<torch::Tensor> feature_list(const torch::IValue& out) {
  if (out.isTensor()) return {out.toTensor()};
  std::vector<torch::Tensor> features;
  if (out.isTuple()) {
    for (const auto& element : out.toTuple()->elements()) features.push_back(element.toTensor());
  }
  return features;
}

std::string shapes_string(const std::vector<torch::Tensor>& features) {
  std::string s;
  for (const auto& t : features) s += (s.empty() ? "" : " ") + shape_string(t);
  return s.empty() ? "nothing" : s;
}

// Each feature [B, C, H, W] with the shape the metadata gives.
void check_features(const std::vector<torch::Tensor>& features, int64_t b, const ModelInfo& info) {
  bool ok = features.size() == info.features.size();
  for (size_t i = 0; ok && i < features.size(); ++i) {
    const torch::Tensor& t = features[i];
    const FeatureShape& f = info.features[i];
    ok = t.dim() == 4 && t.size(0) == b && t.size(1) == f.channels && t.size(2) == f.height && t.size(3) == f.width;
  }
  if (!ok) {
    std::string expected;
    for (const FeatureShape& f : info.features) {
      expected += (expected.empty() ? "" : " ") + ("[" + std::to_string(b) + "," + f.text().substr(1));
    }
    throw Error(info.path, "encode returned " + shapes_string(features) + ", expected " + expected);
  }
}

// Host data to the model's device. On CUDA the copy goes through pinned memory without blocking,
// so that it overlaps the host work queued behind it (untested here: no GPU).
torch::Tensor to_device(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda()) return host.to(device);
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

// The TorchScript interpreter's message is a traceback that ends with the reason.
std::string interpreter_reason(const std::string& text) {
  const size_t end = text.find_last_not_of("\n ");
  if (end == std::string::npos) return text;
  const size_t newline = text.rfind('\n', end);
  const size_t start = newline == std::string::npos ? 0 : newline + 1;
  return text.substr(start, end + 1 - start);
}

// The inputs as one [B,3,S,S] host tensor: one image is wrapped as is; several are copied into
// one buffer, pinned when bound for CUDA so that to_device need not copy it again.
torch::Tensor batch_of(const std::vector<const std::vector<float>*>& inputs, int64_t s, const torch::Device& device) {
  const int64_t b = static_cast<int64_t>(inputs.size());
  if (b == 1) return torch::from_blob(const_cast<float*>(inputs[0]->data()), {1, 3, s, s});
  torch::Tensor host = torch::empty({b, 3, s, s}, torch::TensorOptions().pinned_memory(device.is_cuda()));
  for (int64_t i = 0; i < b; ++i) {
    std::copy(inputs[i]->begin(), inputs[i]->end(), host[i].data_ptr<float>());
  }
  return host;
}

// A model can load and still have the wrong interface; one cheap decode on a zero embedding
// finds that now rather than after an hour of encoding.
void probe_decoder(const SamModel& model) {
  const ModelInfo& info = model.info();
  auto impl = std::make_shared<Embedding::Impl>();
  for (const FeatureShape& f : info.features) {
    impl->features.push_back(torch::zeros({1, f.channels, f.height, f.width}, torch::Device(info.device)));
  }
  DecoderPrompt prompt{{100.0f, 100.0f, 0.0f, 0.0f}, {1.0f, -1.0f}};
  try {
    model.decode(Embedding(impl), {prompt});
  } catch (const std::exception& e) {  // TorchScript raises more than c10::Error
    throw Error(info.path, "the network's decoder does not take the metadata's embedding_size " +
                               std::to_string(info.embedding_size) + ": " + first_line(e.what()));
  }
}

}  // namespace

SamModel::SamModel(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

const ModelInfo& SamModel::info() const { return impl_->info; }

void SamModel::override_profile(const nlohmann::json& overrides) {
  ModelInfo& info = impl_->info;
  const nlohmann::json changed = sambench::override_profile(info.profile, overrides);
  info.profile_overrides.update(changed);
}

ModelInfo read_model_info(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path, "model file not found");
  std::string text;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path.string());
    if (reader.hasRecord("extra/sambench.json")) {
      auto [data, size] = reader.getRecord("extra/sambench.json");
      text.assign(static_cast<const char*>(data.get()), size);
    }
  } catch (const c10::Error& e) {
    throw Error(path, "not a TorchScript model: " + first_line(e.what_without_backtrace()));
  }
  return parse_model_metadata(path, text);
}

SamModel SamModel::load(const fs::path& path, const std::string& device_name, const std::string& precision) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw Error(path, "model file not found");
  // Checked before torch opens it: a FIFO would block the load forever, /dev/zero never ends.
  if (!fs::is_regular_file(status)) throw Error(path, "is not a regular file (a FIFO, device or folder); a model is a .pt file");
  auto impl = std::make_shared<Impl>();
  impl->device = resolve_device(device_name);
  impl->encoder_dtype = encoder_dtype(precision, impl->device);

  torch::jit::ExtraFilesMap extra{{"sambench.json", ""}};
  try {
    impl->module = torch::jit::load(path.string(), impl->device, extra);
  } catch (const c10::Error& e) {
    throw Error(path, "not a loadable TorchScript model: " + first_line(e.what_without_backtrace()));
  }
  impl->info = parse_model_metadata(path, extra["sambench.json"]);
  for (const char* method : {"encode", "decode"}) {
    if (!impl->module.find_method(method)) {
      throw Error(path, std::string("TorchScript model has no '") + method + "' method");
    }
  }
  check_decode_arguments(impl->module, impl->info);
  if (impl->info.features.size() == 1) check_encoder(impl->module, impl->info);  // a ViT's shapes
  impl->module.eval();
  cast_encoder(impl->module, impl->encoder_dtype, path);
  impl->info.device = impl->device.str();
  impl->info.precision = precision;
  impl->info.sha256 = sha256_available() ? sha256_file(path) : "not computed (built without OpenSSL)";

  SamModel model(impl);
  probe_decoder(model);
  return model;
}

Embedding SamModel::encode(const std::vector<float>& input) const { return encode_batch({&input}).front(); }

std::vector<Embedding> SamModel::encode_batch(const std::vector<const std::vector<float>*>& inputs) const {
  const ModelInfo& info = impl_->info;
  if (inputs.size() > 1 && !impl_->device.is_cuda() && !info.batched_encode) {
    std::vector<Embedding> out;
    for (const auto* input : inputs) out.push_back(encode(*input));
    return out;
  }
  if (inputs.empty()) return {};
  const int64_t s = info.image_size, b = static_cast<int64_t>(inputs.size());
  for (const auto* input : inputs) {
    if (input->size() != static_cast<size_t>(3 * s * s)) {
      throw Error(info.path, "encode: input has " + std::to_string(input->size()) + " values, expected 3x" +
                                 std::to_string(s) + "x" + std::to_string(s));
    }
  }
  c10::InferenceMode guard;
  torch::Tensor host = batch_of(inputs, s, impl_->device);
  torch::Tensor x = to_device(host, impl_->device);
  std::vector<torch::Tensor> features;
  try {
    features = feature_list(impl_->module.get_method("encode")({x.to(impl_->encoder_dtype)}));
  } catch (const c10::Error& e) {
    throw Error(info.path, "encode failed: " + first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {  // an error raised inside the TorchScript interpreter
    throw Error(info.path, "encode failed: " + interpreter_reason(e.what()));
  }
  check_features(features, b, info);
  for (torch::Tensor& f : features) f = f.to(torch::kFloat);
  std::vector<Embedding> embeddings;
  for (int64_t i = 0; i < b; ++i) {
    auto impl = std::make_shared<Embedding::Impl>();
    // Slices share the batch's memory: no copy on the device.
    for (const torch::Tensor& f : features) impl->features.push_back(f.narrow(0, i, 1));
    embeddings.emplace_back(impl);
  }
  return embeddings;
}

DecodeOutput SamModel::decode(const Embedding& embedding, const std::vector<DecoderPrompt>& prompts,
                              const std::vector<float>& mask_input) const {
  DeviceDecode on_device = decode_on_device(embedding, prompts, mask_input);
  DecodeOutput result;
  if (on_device.batch == 0) return result;
  c10::InferenceMode guard;
  const torch::Tensor logits = on_device.logits.to(torch::kCPU).contiguous();
  result.batch = on_device.batch;
  result.masks = on_device.masks;
  result.size = on_device.size;
  result.logits.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  result.iou = std::move(on_device.iou);
  return result;
}

DeviceDecode SamModel::decode_on_device(const Embedding& embedding, const std::vector<DecoderPrompt>& prompts,
                                        const std::vector<float>& mask_input) const {
  const ModelInfo& info = impl_->info;
  const int64_t b = static_cast<int64_t>(prompts.size());
  if (b == 0) return {};
  const int64_t n = prompts[0].size();
  std::vector<float> coords, labels;
  for (const auto& p : prompts) {
    if (p.size() != n) throw std::invalid_argument("decode: prompts of one batch need equal point counts");
    coords.insert(coords.end(), p.coords.begin(), p.coords.end());
    labels.insert(labels.end(), p.labels.begin(), p.labels.end());
  }

  c10::InferenceMode guard;
  // n == 0 is the prompt-free decode; an empty vector may have no data pointer to wrap.
  torch::Tensor c = n ? torch::from_blob(coords.data(), {b, n, 2}).to(impl_->device)
                      : torch::zeros({b, 0, 2}, impl_->device);
  torch::Tensor l = n ? torch::from_blob(labels.data(), {b, n}).to(impl_->device)
                      : torch::zeros({b, 0}, impl_->device);
  const int64_t m = info.num_mask_outputs, s = info.low_res_size;
  torch::IValue masks;  // None: SAM's "no mask" embedding
  if (!mask_input.empty()) {
    if (mask_input.size() != static_cast<size_t>(b * s * s)) {
      throw std::invalid_argument("decode: mask_input must hold B x size x size values");
    }
    masks = torch::from_blob(const_cast<float*>(mask_input.data()), {b, 1, s, s}).to(impl_->device);
  }
  torch::Tensor logits, iou;
  try {
    std::vector<torch::IValue> arguments(embedding.impl().features.begin(), embedding.impl().features.end());
    arguments.insert(arguments.end(), {c, l, masks});
    auto out = impl_->module.get_method("decode")(std::move(arguments));
    auto tuple = out.toTuple();
    if (tuple->elements().size() != 2) throw Error(info.path, "decode must return (logits, iou)");
    logits = tuple->elements()[0].toTensor();
    iou = tuple->elements()[1].toTensor();
  } catch (const c10::Error& e) {
    throw Error(info.path, "decode failed: " + first_line(e.what_without_backtrace()));
  }
  if (logits.dim() != 4 || logits.size(0) != b || logits.size(1) != m || logits.size(2) != s ||
      logits.size(3) != s || iou.dim() != 2 || iou.size(0) != b || iou.size(1) != m) {
    throw Error(info.path, "decode returned logits " + shape_string(logits) + " and iou " +
                               shape_string(iou) + ", expected [B," + std::to_string(m) + "," +
                               std::to_string(s) + "," + std::to_string(s) + "] and [B," +
                               std::to_string(m) + "]");
  }
  iou = iou.to(torch::kCPU, torch::kFloat).contiguous();

  DeviceDecode result;
  result.batch = static_cast<int>(b);
  result.masks = static_cast<int>(m);
  result.size = static_cast<int>(s);
  result.logits = logits.to(torch::kFloat).contiguous();
  result.iou.assign(iou.data_ptr<float>(), iou.data_ptr<float>() + iou.numel());
  return result;
}

Embedding SamModel::embedding_from_values(const EmbeddingValues& values) const {
  const ModelInfo& info = impl_->info;
  bool ok = values.shapes() == info.features;
  for (const FeatureValues& f : values.features) ok = ok && f.values.size() == f.shape.count();
  if (!ok) {
    throw Error(info.path, "embedding of features " + shapes_text(values.shapes()) + ", expected " +
                               shapes_text(info.features));
  }
  c10::InferenceMode guard;
  auto impl = std::make_shared<Embedding::Impl>();
  for (const FeatureValues& f : values.features) {
    const FeatureShape& s = f.shape;
    impl->features.push_back(torch::from_blob(const_cast<float*>(f.values.data()), {1, s.channels, s.height, s.width})
                                 .clone()
                                 .to(impl_->device));
  }
  return Embedding(impl);
}

EmbeddingValues embedding_values(const Embedding& embedding) {
  EmbeddingValues out;
  for (const torch::Tensor& feature : embedding.impl().features) {
    torch::Tensor t = feature.to(torch::kCPU, torch::kFloat).contiguous();
    FeatureShape shape{static_cast<int>(t.size(1)), static_cast<int>(t.size(2)), static_cast<int>(t.size(3))};
    out.features.push_back({shape, std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel())});
  }
  return out;
}

bool optimized_blas_loaded() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("openblas") != std::string::npos || line.find("libmkl") != std::string::npos) return true;
  }
  return false;
}

int default_decode_batch(const std::string& device) { return device.rfind("cuda", 0) == 0 ? 64 : 1; }

int default_encode_batch(const std::string& device) { return device.rfind("cuda", 0) == 0 ? 8 : 1; }

int set_threads(int threads) {
  if (threads <= 0) threads = usable_cores();
  at::set_num_threads(threads);
  return at::get_num_threads();
}

}  // namespace sambench
