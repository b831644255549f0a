#include "sambench/finetune/finetune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <type_traits>
#include <sstream>
#include <utility>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "sambench/data/dataset.h"
#include "sambench/data/mask_box.h"
#include "sambench/base/error.h"
#include "sambench/model/mask_tensors.h"
#include "sambench/model/preprocess.h"
#include "sambench/prompts/decoder_prompt.h"
#include "sambench/prompts/prompt.h"
#include "sambench/base/random.h"
#include "sambench/base/file_io.h"
#include "sambench/report/tables.h"
#include "sambench/model/sam_model.h"
#include "sambench/finetune/training_curve.h"
#include "sambench/base/version.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- options ------------------------------------------------------------------------------------

template <typename T>
void read(const json& section, const std::string& key, T& out, const fs::path& file) {
  if (!section.contains(key) || section.at(key).is_null()) return;
  const json& value = section.at(key);
  // json's get<int> would turn 4294967297 into 1 and 2.5 into 2.
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    const bool fits = value.is_number_integer() && value.get<long long>() >= std::numeric_limits<T>::min() &&
                      (value.get<long long>() <= 0 ||
                       static_cast<unsigned long long>(value.get<long long>()) <= std::numeric_limits<T>::max());
    if (!fits) throw Error(file, "'finetune." + key + "' must be an integer that fits, not " + value.dump());
  }
  try {
    out = value.get<T>();
  } catch (const json::exception&) {
    throw Error(file, "'finetune." + key + "' has the wrong type: " + section.at(key).dump());
  }
}

void require(bool ok, const fs::path& file, const std::string& reason) {
  if (!ok) throw Error(file, "'finetune." + reason);
}

// The config's one prompt mode as a rule; an unknown mode or option is an Error naming the file.
std::unique_ptr<PromptRule> prompt_rule_of(const ModeSpec& mode, const fs::path& file) {
  try {
    return make_prompt_rule(mode.rule);
  } catch (const Error& e) {
    throw Error(file, e.what());
  }
}

// A nested mapping of the section, its keys checked; empty when absent.
json mapping(const json& section, const std::string& key, const std::vector<std::string>& keys,
             const fs::path& file) {
  if (!section.contains(key)) return json::object();
  const json& value = section.at(key);
  require(value.is_object(), file, key + "' must be a mapping with keys " + join(keys));
  check_keys(value, keys, file.string() + ": finetune." + key);
  return value;
}

// ---- training data ------------------------------------------------------------------------------

// One of the dihedral transforms the augmentation draws from: rotate by 90° `rot` times
// (counter-clockwise), then flip.
struct Variant {
  int rot = 0;
  bool hflip = false, vflip = false;
};

std::vector<Variant> variants(const FinetuneOptions& o) {
  std::vector<Variant> out;
  for (int rot = 0; rot < (o.rot90 ? 4 : 1); ++rot) {
    for (int h = 0; h < (o.flips ? 2 : 1); ++h) {
      // With rotations, a horizontal flip already gives all eight; a vertical one would repeat.
      for (int v = 0; v < (o.flips && !o.rot90 ? 2 : 1); ++v) out.push_back({rot, h == 1, v == 1});
    }
  }
  return out;
}

cv::Mat apply(const cv::Mat& m, const Variant& v) {
  static const int codes[] = {0, cv::ROTATE_90_COUNTERCLOCKWISE, cv::ROTATE_180, cv::ROTATE_90_CLOCKWISE};
  cv::Mat out = m.clone();
  if (v.rot) cv::rotate(m, out, codes[v.rot]);
  if (v.hflip) cv::flip(out, out, 1);
  if (v.vflip) cv::flip(out, out, 0);
  return out;
}

// A training or validation image with its binary target (every class merged: one structure).
struct Item {
  std::string id;
  cv::Mat image;   // RGB uint8
  cv::Mat target;  // CV_8U 0/1
};

Item load_item(const Dataset& dataset, const SampleRef& ref) {
  Sample sample = dataset.load(ref);
  cv::Mat target = cv::Mat::zeros(sample.labels.size(), CV_8U);
  for (const auto& c : dataset.classes()) target.setTo(1, sample.labels == c.label);
  return {sample.id, sample.image, target};
}

// A prepared decoder input: the cached embedding, the prompt and the target at full size.
struct Example {
  std::vector<torch::Tensor> features;  // the embedding's (ModelInfo::features), [1,C,H,W] on the device
  torch::Tensor coords, labels;  // [1,N,2], [1,N]
  torch::Tensor target;     // [1,1,H,W] float 0/1
  ResizeTransform transform;
};

class Examples {
 public:
  Examples(const SamModel& model, const PromptRule& rule, torch::Device device, long long seed)
      : model_(model), rule_(rule), device_(device), seed_(seed) {}

  // Encodes each (item, variant) once: the encoder is frozen, so its output never changes.
  const Example& get(const Item& item, size_t item_index, const Variant& v, size_t variant_index) {
    auto key = std::make_pair(item_index, variant_index);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    return cache_.emplace(key, make(item, v)).first->second;
  }

 private:
  Example make(const Item& item, const Variant& v) {
    const ModelInfo& info = model_.info();
    cv::Mat image = apply(item.image, v), target = apply(item.target, v);
    Example ex;
    ex.transform = model_transform(info.profile, image.rows, image.cols);
    EmbeddingValues values =
        embedding_values(model_.encode(make_model_input(image, ex.transform, info.profile, info.normalization)));
    for (FeatureValues& f : values.features) {
      const FeatureShape& s = f.shape;
      ex.features.push_back(torch::from_blob(f.values.data(), {1, s.channels, s.height, s.width}).clone().to(device_));
    }

    const cv::Rect box = mask_box(target);
    Instance whole{1, 1, cv::Mat((target(box) != 0) / 255), box, cv::countNonZero(target)};
    PromptContext context{item.id, image.size(), static_cast<uint64_t>(seed_)};
    DecoderPrompt p = to_decoder_prompt(rule_.make(whole, context), ex.transform, info.profile);
    const int64_t n = p.size();
    ex.coords = torch::tensor(p.coords, torch::kFloat).reshape({1, n, 2}).to(device_);
    ex.labels = torch::tensor(p.labels, torch::kFloat).reshape({1, n}).to(device_);

    cv::Mat t;
    target.convertTo(t, CV_32F);
    ex.target = torch::from_blob(t.data, {1, 1, t.rows, t.cols}).clone().to(device_);
    return ex;
  }

  const SamModel& model_;
  const PromptRule& rule_;
  torch::Device device_;
  long long seed_;
  std::map<std::pair<size_t, size_t>, Example> cache_;
};

// ---- model, loss --------------------------------------------------------------------------------

// The single-mask output (token 0: what the model's own predictor returns with
// multimask_output=False), [1, 1, size, size] low-res logits.
torch::Tensor single_mask_logits(torch::jit::Module& module, const Example& ex) {
  std::vector<torch::IValue> arguments(ex.features.begin(), ex.features.end());
  arguments.insert(arguments.end(), {ex.coords, ex.labels, torch::IValue()});
  auto out = module.get_method("decode")(std::move(arguments));
  return out.toTuple()->elements()[0].toTensor().slice(1, 0, 1);
}

// MedSAM's rule ("direct_sigmoid") up to its last step: the probabilities resized to H x W, the
// values whose logit() eval thresholds, bit for bit (the direct rule resizes whatever map it is
// given).
torch::Tensor resized_probabilities(const torch::Tensor& low_res, const ResizeTransform& t) {
  ResizeTransform direct = t;
  direct.upscale = UpscaleRule::kDirect;
  return upscale_to_image(torch::sigmoid(low_res), direct);
}

torch::Tensor weighted_loss(const torch::Tensor& p, const torch::Tensor& bce, const torch::Tensor& target,
                            const FinetuneOptions& o) {
  // +1 keeps the soft Dice defined (and 0) for an empty target predicted empty.
  torch::Tensor dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1);
  return o.dice_weight * dice + o.bce_weight * bce;
}

// The soft Dice and binary cross-entropy of the output at the original image size, upscaled by
// the model profile's rule with the very function the evaluation thresholds (upscale_to_image,
// mask_tensors.h). The loss is taken at this size so that the ground truth is never resampled:
// a 1-pixel vessel would be blurred away at the decoder's 256x256.
torch::Tensor loss_of(const torch::Tensor& low_res, const ResizeTransform& t, const torch::Tensor& target,
                      const FinetuneOptions& o) {
  if (t.upscale == UpscaleRule::kDirectSigmoid) {
    // Eval's logits are logit() of resized probabilities: +-inf where one rounds to 1 or 0 (a
    // low-res logit beyond about +17 or -104), which would make the loss and its gradient NaN.
    // The same loss on the probabilities themselves stays finite (the cross-entropy's log is
    // clamped at -100, and the sigmoid's gradient vanishes where it saturates). The clamp
    // changes no value in [0, 1]; binary_cross_entropy throws on any outside it.
    const torch::Tensor p = resized_probabilities(low_res, t).clamp(0, 1);
    return weighted_loss(p, torch::binary_cross_entropy(p, target), target, o);
  }
  const torch::Tensor logits = upscale_to_image(low_res, t);
  return weighted_loss(torch::sigmoid(logits), torch::binary_cross_entropy_with_logits(logits, target), target, o);
}

double hard_dice(const torch::Tensor& logits, const torch::Tensor& target, float threshold) {
  torch::Tensor pred = (logits > threshold).to(torch::kFloat);
  double inter = (pred * target).sum().item<double>();
  double total = pred.sum().item<double>() + target.sum().item<double>();
  return total == 0 ? 1.0 : 2 * inter / total;
}

// Whether a parameter lies in the top-level submodule `part`, under SAM's name ("mask_decoder.")
// or SAM 2.1's ("sam_mask_decoder.").
bool in_part(const std::string& name, const std::string& part) {
  return name.rfind(part + ".", 0) == 0 || name.rfind("sam_" + part + ".", 0) == 0;
}

std::vector<torch::Tensor> select_trainable(torch::jit::Module& module, const FinetuneOptions& o,
                                            std::vector<std::string>& names) {
  std::vector<torch::Tensor> params;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    bool train = in_part(p.name, "mask_decoder") || (o.train_prompt_encoder && in_part(p.name, "prompt_encoder"));
    p.value.set_requires_grad(train);
    if (train) {
      params.push_back(p.value);
      names.push_back(p.name);
    }
  }
  return params;
}

// The plain interpreter: the optimizing executor changes its graphs after a few calls, so a
// resumed process would not compute bit for bit what an uninterrupted one does.
class PlainInterpreter {
 public:
  PlainInterpreter() : previous_(torch::jit::getGraphExecutorOptimize()) {
    torch::jit::setGraphExecutorOptimize(false);
  }
  ~PlainInterpreter() { torch::jit::setGraphExecutorOptimize(previous_); }

 private:
  bool previous_;
};

// ---- split, order -------------------------------------------------------------------------------

// Seeded, so the same config holds out the same images on every machine.
std::vector<size_t> permutation(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[uniform_below(rng, i)]);
  return order;
}

size_t validation_count(size_t n, double fraction) {
  if (fraction <= 0 || n < 2) return 0;
  return std::clamp<size_t>(static_cast<size_t>(std::lround(fraction * n)), 1, n - 1);
}

// Each epoch's generator depends only on (seed, epoch), so a resumed run draws exactly what an
// uninterrupted one would without saving any generator state.
std::mt19937_64 epoch_rng(long long seed, int epoch) {
  return std::mt19937_64(splitmix64(static_cast<uint64_t>(seed) * 1000003ULL + static_cast<uint64_t>(epoch)));
}

// ---- checkpoint ---------------------------------------------------------------------------------

struct Checkpoint {
  int epoch = 0;
  std::string fingerprint;
  std::vector<EpochRecord> log;
};

json log_json(const std::vector<EpochRecord>& log) {
  json out = json::array();
  for (const auto& r : log) {
    out.push_back({{"epoch", r.epoch},
                   {"train_loss", std::isnan(r.train_loss) ? json() : json(r.train_loss)},
                   {"validation_dice", std::isnan(r.validation_dice) ? json() : json(r.validation_dice)}});
  }
  return out;
}

std::vector<EpochRecord> log_from_json(const json& in) {
  std::vector<EpochRecord> log;
  for (const auto& r : in) {
    EpochRecord e;
    e.epoch = r.at("epoch").get<int>();
    e.train_loss = r.at("train_loss").is_null() ? kNaN : r.at("train_loss").get<double>();
    e.validation_dice = r.at("validation_dice").is_null() ? kNaN : r.at("validation_dice").get<double>();
    log.push_back(e);
  }
  return log;
}

void save_checkpoint(const fs::path& path, const Checkpoint& c, const std::vector<torch::Tensor>& params,
                     const torch::optim::AdamW& optimizer) {
  torch::serialize::OutputArchive archive, opt;
  archive.write("epoch", torch::tensor(static_cast<int64_t>(c.epoch)));
  archive.write("fingerprint", c10::IValue(c.fingerprint));
  archive.write("log", c10::IValue(log_json(c.log).dump()));
  for (size_t i = 0; i < params.size(); ++i) archive.write("param" + std::to_string(i), params[i].detach().cpu());
  optimizer.save(opt);
  archive.write("optimizer", opt);
  // Saved in memory, then written by write_file_atomic: a crash while saving leaves the previous
  // epoch's checkpoint whole, and a symlink planted at a temporary name is never written through.
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomic(path, bytes.str());
}

Checkpoint load_checkpoint(const fs::path& path, const std::string& fingerprint,
                           std::vector<torch::Tensor>& params, torch::optim::AdamW& optimizer) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path, "--resume: no checkpoint to resume from");
  Checkpoint c;
  try {
    torch::serialize::InputArchive archive, opt;
    archive.load_from(path.string());
    torch::Tensor epoch;
    archive.read("epoch", epoch);
    c.epoch = static_cast<int>(epoch.item<int64_t>());
    c10::IValue text;
    archive.read("fingerprint", text);
    c.fingerprint = text.toStringRef();
    if (c.fingerprint != fingerprint) {
      throw Error(path, "--resume: the checkpoint was made with another config, model or dataset");
    }
    archive.read("log", text);
    c.log = log_from_json(json::parse(text.toStringRef()));
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      torch::Tensor saved;
      archive.read("param" + std::to_string(i), saved);
      params[i].copy_(saved);
    }
    archive.read("optimizer", opt);
    optimizer.load(opt);
  } catch (const c10::Error& e) {
    throw Error(path, "--resume: unreadable checkpoint: " + first_line(e.what_without_backtrace()));
  }
  return c;
}

// ---- outputs ------------------------------------------------------------------------------------

void save_model(torch::jit::Module& module, const fs::path& path, json metadata) {
  torch::jit::ExtraFilesMap extra{{"sambench.json", metadata.dump()}};
  std::ostringstream bytes;
  module.save(bytes, extra);
  write_file_atomic(path, bytes.str());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void print_epoch(const EpochRecord& r) {
  std::printf("epoch %3d  train loss %s  validation Dice %s  (%.1f s)\n", r.epoch,
              format_number(r.train_loss, 4).c_str(), format_number(r.validation_dice, 4).c_str(), r.seconds);
  std::fflush(stdout);
}

// ---- the run ------------------------------------------------------------------------------------

// The images a run learns from and the ones it holds out.
struct TrainingSet {
  std::vector<Item> train, validation;
};

struct SplitIndices {
  std::vector<size_t> train, validation;  // each ascending
};

SplitIndices split_samples(size_t n, const FinetuneOptions& o) {
  const std::vector<size_t> order = permutation(n, splitmix64(static_cast<uint64_t>(o.seed)));
  const size_t n_val = validation_count(n, o.validation_fraction);
  SplitIndices split{{order.begin() + n_val, order.end()}, {order.begin(), order.begin() + n_val}};
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.validation.begin(), split.validation.end());
  return split;
}

// The dataset's samples (those of its first run.limit units), split and loaded.
TrainingSet load_training_set(const Config& config, const FinetuneOptions& o, const fs::path& file) {
  auto dataset = make_dataset(config.dataset, config.dataset_base);
  std::vector<SampleRef> refs = dataset->list();
  refs = first_units(std::move(refs), config.run.limit);
  if (refs.empty()) throw Error(file, "the dataset lists no samples to train on");
  const SplitIndices split = split_samples(refs.size(), o);
  TrainingSet set;
  for (size_t i : split.train) set.train.push_back(load_item(*dataset, refs[i]));
  for (size_t i : split.validation) set.validation.push_back(load_item(*dataset, refs[i]));
  return set;
}

std::vector<std::string> ids_of(const std::vector<Item>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.id);
  return ids;
}

torch::jit::Module load_module(const fs::path& path, torch::Device device) {
  torch::jit::Module module = torch::jit::load(path.string(), device);
  module.eval();
  return module;
}

// The model as eval loads it: with the config's profile overrides, refused when its profile needs
// a step sambench does not apply yet.
SamModel load_sam(const Config& config) {
  SamModel sam = SamModel::load(config.model.path, config.model.device);
  sam.override_profile(config.model.profile);
  check_profile_supported(sam.info().profile);
  return sam;
}

// Two handles on the model: `sam` encodes exactly as `eval` does; `module` is trained, its
// trainable parameters stepped by `optimizer`.
struct TrainableModel {
  TrainableModel(const Config& config, const FinetuneOptions& o)
      : sam(load_sam(config)),
        device(sam.info().device),
        module(load_module(config.model.path, device)),
        params(select_trainable(module, o, names)),
        optimizer(params, torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay)) {}

  const SamModel sam;
  const torch::Device device;
  torch::jit::Module module;
  std::vector<std::string> names;  // declared before params: select_trainable fills both
  std::vector<torch::Tensor> params;
  torch::optim::AdamW optimizer;
};

// What a run trains, from what, on which images and how. The tuned model's metadata keeps it;
// its text is the checkpoint's fingerprint, so that --resume refuses another setup's checkpoint.
// A config's profile overrides (model.profile) are part of it: the run trains through that
// pipeline, and the tuned model's own profile is the one it was trained with (save_tuned_model).
json training_record(const Config& config, const FinetuneOptions& o, const PromptRule& rule,
                     const TrainableModel& model, const TrainingSet& data) {
  json record = {{"base_model", fs::absolute(config.model.path).lexically_normal().string()},
                 {"base_model_sha256", model.sam.info().sha256},
                 {"dataset", config.dataset},
                 {"instances",
                  {{"min_area", config.instances.min_area}, {"whole_class", config.instances.whole_class}}},
                 {"prompt", rule.name()},
                 {"prompt_description", rule.describe()},
                 {"mask_output", "token 0 (single-mask output; evaluate with mask_policy: single)"},
                 {"loss_resolution", "original image size (logits upscaled as in evaluation)"},
                 {"options", to_json(o)},
                 {"trainable_parameters", model.names.size()},
                 {"train_ids", ids_of(data.train)},
                 {"validation_ids", ids_of(data.validation)}};
  // Only when there are some, so that the fingerprints of earlier checkpoints stay valid.
  const json& overrides = model.sam.info().profile_overrides;
  if (!overrides.empty()) record["profile_overrides"] = overrides;
  return record;
}

// One fine-tuning run into config.run.output. Its state (epochs done, the log) is what the
// checkpoint saves after every epoch, with the parameters and the optimizer.
class Training {
 public:
  Training(const Config& config, const FinetuneOptions& o, const PromptRule& rule, TrainingSet data)
      : config_(config),
        o_(o),
        data_(std::move(data)),
        model_(config, o),
        record_(training_record(config, o, rule, model_, data_)),
        checkpoint_path_(config.run.output / "checkpoint.pt"),
        examples_(model_.sam, rule, model_.device, o.seed),
        augment_(variants(o)) {
    fs::create_directories(config.run.output);
    // A killed run's temporaries (and the fixed "checkpoint.pt.tmp" of earlier versions, which a
    // stranger could have made a symlink) are never reused; clear them.
    remove_interrupted_writes(config.run.output);
    for (const char* name : {"checkpoint.pt.tmp", "finetuned.pt.tmp"}) {
      std::error_code ec;
      fs::remove(config.run.output / name, ec);
    }
    state_.fingerprint = record_.dump();
  }

  // Continues after the last epoch an interrupted run of the same setup checkpointed.
  void resume() {
    state_ = load_checkpoint(checkpoint_path_, record_.dump(), model_.params, model_.optimizer);
    std::printf("resuming after epoch %d of %d\n", state_.epoch, o_.epochs);
  }

  int epochs_done() const { return state_.epoch; }

  // Epoch 0: the base model's held-out Dice, logged once (a resumed run has it already).
  void score_base_model() {
    if (state_.epoch != 0 || !state_.log.empty()) return;
    const auto started = std::chrono::steady_clock::now();
    state_.log.push_back({0, kNaN, validation_dice(), 0});
    state_.log.back().seconds = seconds_since(started);
    print_epoch(state_.log.back());
  }

  // One pass over the training images, then the held-out Dice; checkpointed and logged at once.
  void run_epoch(int epoch) {
    const auto started = std::chrono::steady_clock::now();
    const double loss = train_loss(epoch);
    state_.log.push_back({epoch, loss, validation_dice(), 0});
    state_.log.back().seconds = seconds_since(started);
    state_.epoch = epoch;
    save_checkpoint(checkpoint_path_, state_, model_.params, model_.optimizer);
    write_training_log();
    print_epoch(state_.log.back());
  }

  // training_log.csv and training_curve.png of the epochs so far.
  void write_log() const {
    write_training_log();
    write_training_curve(config_.run.output / "training_curve.png", state_.log);
  }

  FinetuneResult result() const {
    FinetuneResult result;
    result.log = state_.log;
    result.train_ids = ids_of(data_.train);
    result.validation_ids = ids_of(data_.validation);
    return result;
  }

  // finetuned.pt: the trained module, its metadata the base model's plus the run's record and log,
  // and as its profile the one training followed (the base model's, with the config's overrides
  // applied): evaluating the tuned model then takes the pipeline it was trained through.
  fs::path save_tuned_model() {
    json record = record_;
    record["log"] = log_json(state_.log);
    record["sambench_version"] = version();
    json metadata = model_.sam.info().metadata;
    metadata["profile"] = to_json(model_.sam.info().profile);
    metadata["finetune"] = record;
    for (auto& p : model_.params) p.set_requires_grad(false);
    const fs::path path = config_.run.output / "finetuned.pt";
    save_model(model_.module, path, metadata);
    return path;
  }

 private:
  // The mean loss over the training images, in an order and with variants drawn for the epoch.
  double train_loss(int epoch) {
    std::mt19937_64 rng = epoch_rng(o_.seed, epoch);
    const std::vector<size_t> shuffled = permutation(data_.train.size(), rng());
    std::vector<double> losses;
    for (size_t start = 0; start < shuffled.size(); start += o_.batch_size) {
      const size_t end = std::min(shuffled.size(), start + o_.batch_size);
      const std::vector<double> batch = train_batch({shuffled.begin() + start, shuffled.begin() + end}, rng);
      losses.insert(losses.end(), batch.begin(), batch.end());
    }
    double total = 0;  // summed in training order, as the log has always been
    for (double loss : losses) total += loss;
    return total / static_cast<double>(data_.train.size());
  }

  // One optimizer step on the batch's mean loss (gradients accumulated image by image); returns
  // each image's loss.
  std::vector<double> train_batch(const std::vector<size_t>& batch, std::mt19937_64& rng) {
    model_.optimizer.zero_grad();
    std::vector<double> losses;
    for (size_t i : batch) {
      const size_t v = uniform_below(rng, augment_.size());
      const Example& ex = examples_.get(data_.train[i], i, augment_[v], v);
      torch::Tensor loss = loss_of(single_mask_logits(model_.module, ex), ex.transform, ex.target, o_);
      (loss / static_cast<double>(batch.size())).backward();
      losses.push_back(loss.item<double>());
    }
    model_.optimizer.step();
    return losses;
  }

  // The mean hard Dice over the held-out images, unaugmented; NaN without any.
  double validation_dice() {
    if (data_.validation.empty()) return kNaN;
    torch::NoGradGuard no_grad;
    double sum = 0;
    for (size_t i = 0; i < data_.validation.size(); ++i) {
      // Cached after the training images, under indices of their own.
      const Example& ex = examples_.get(data_.validation[i], data_.train.size() + i, Variant{}, 0);
      const torch::Tensor logits = upscale_to_image(single_mask_logits(model_.module, ex), ex.transform);
      sum += hard_dice(logits, ex.target, model_.sam.info().mask_threshold);
    }
    return sum / static_cast<double>(data_.validation.size());
  }

  void write_training_log() const {
    write_file_atomic(config_.run.output / "training_log.csv", training_log_csv(state_.log));
  }

  const Config& config_;
  const FinetuneOptions& o_;
  const TrainingSet data_;
  TrainableModel model_;
  const json record_;
  const fs::path checkpoint_path_;
  Checkpoint state_;
  Examples examples_;
  const std::vector<Variant> augment_;
};

}  // namespace

FinetuneOptions parse_finetune_options(const json& section, const fs::path& file) {
  FinetuneOptions o;
  if (section.is_null()) return o;
  if (!section.is_object()) throw Error(file, "'finetune' must be a mapping");
  const std::string where = file.string() + ": finetune";
  check_keys(section, {"parts", "loss", "lr", "weight_decay", "epochs", "batch_size", "seed", "augment",
                       "validation_fraction"},
             where);
  if (section.contains("parts")) {
    const json& parts = section.at("parts");
    require(parts.is_array(), file, "parts' must be a list (mask_decoder, prompt_encoder)");
    bool decoder = false;
    for (const auto& p : parts) {
      if (p == "mask_decoder") {
        decoder = true;
      } else if (p == "prompt_encoder") {
        o.train_prompt_encoder = true;
      } else {
        throw Error(file, "'finetune.parts': unknown part " + p.dump() +
                              " (trainable: mask_decoder, prompt_encoder; the image encoder stays frozen)");
      }
    }
    require(decoder, file, "parts' must include mask_decoder");
  }
  const json loss = mapping(section, "loss", {"dice", "bce"}, file);
  read(loss, "dice", o.dice_weight, file);
  read(loss, "bce", o.bce_weight, file);
  require(o.dice_weight >= 0 && o.bce_weight >= 0 && o.dice_weight + o.bce_weight > 0, file,
          "loss' weights must be >= 0 and not both 0");
  const json augment = mapping(section, "augment", {"flips", "rot90"}, file);
  read(augment, "flips", o.flips, file);
  read(augment, "rot90", o.rot90, file);
  read(section, "lr", o.lr, file);
  read(section, "weight_decay", o.weight_decay, file);
  read(section, "epochs", o.epochs, file);
  read(section, "batch_size", o.batch_size, file);
  read(section, "seed", o.seed, file);
  read(section, "validation_fraction", o.validation_fraction, file);
  require(o.lr > 0, file, "lr' must be > 0");
  require(o.weight_decay >= 0, file, "weight_decay' must be >= 0");
  require(o.epochs >= 1 && o.epochs <= 100000, file, "epochs' must be from 1 to 100000");
  require(o.batch_size >= 1 && o.batch_size <= 4096, file, "batch_size' must be from 1 to 4096");
  require(o.validation_fraction >= 0 && o.validation_fraction < 1, file,
          "validation_fraction' must be in [0, 1)");
  return o;
}

json to_json(const FinetuneOptions& o) {
  json parts = {"mask_decoder"};
  if (o.train_prompt_encoder) parts.push_back("prompt_encoder");
  return {{"parts", parts},
          {"loss", {{"dice", o.dice_weight}, {"bce", o.bce_weight}}},
          {"optimizer", "AdamW"},
          {"lr", o.lr},
          {"weight_decay", o.weight_decay},
          {"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"seed", o.seed},
          {"augment", {{"flips", o.flips}, {"rot90", o.rot90}}},
          {"validation_fraction", o.validation_fraction}};
}

std::string training_log_csv(const std::vector<EpochRecord>& log) {
  std::string csv = "epoch,train_loss,validation_dice\n";
  for (const auto& r : log) {
    csv += std::to_string(r.epoch) + "," + format_number(r.train_loss, 6) + "," +
           format_number(r.validation_dice, 6) + "\n";
  }
  return csv;
}

FinetuneResult finetune(const Config& config, const FinetuneRun& run) {
  validate(config);
  const fs::path file = config.file.empty() ? fs::path("config") : config.file;
  const FinetuneOptions o = parse_finetune_options(config.finetune, file);
  const std::vector<ModeSpec>& modes = config.prompt.modes;
  if (modes.size() != 1 || modes[0].rounds > 0 || modes[0].everything) {
    throw Error(file, "finetune takes one plain prompt mode (none, centroid, ...)");
  }
  const std::unique_ptr<PromptRule> rule = prompt_rule_of(modes[0], file);
  set_threads(config.run.threads);
  PlainInterpreter plain;
  torch::manual_seed(static_cast<uint64_t>(o.seed));

  Training training(config, o, *rule, load_training_set(config, o, file));
  if (run.resume) training.resume();
  training.score_base_model();
  for (int epoch = training.epochs_done() + 1; epoch <= o.epochs; ++epoch) {
    if (run.stop_after > 0 && epoch > run.stop_after) break;
    training.run_epoch(epoch);
  }
  training.write_log();
  FinetuneResult result = training.result();
  if (training.epochs_done() < o.epochs) return result;  // stopped early: --resume continues
  result.model = training.save_tuned_model();
  return result;
}

}  // namespace sambench
