#include "sambench/data/config.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <type_traits>

#include <yaml-cpp/yaml.h>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// YAML has no types for plain scalars; guess them the way a reader of the file would.
json scalar_to_json(const YAML::Node& node) {
  if (node.Tag() == "!") return node.as<std::string>();  // quoted: always a string
  const std::string text = node.as<std::string>();
  long long integer;
  double number;
  bool boolean;
  if (YAML::convert<long long>::decode(node, integer)) return integer;
  if (YAML::convert<double>::decode(node, number)) return number;
  if (YAML::convert<bool>::decode(node, boolean)) return boolean;
  if (text == "~" || text == "null") return nullptr;
  return text;
}

std::string line_of(const YAML::Node& node) { return "line " + std::to_string(node.Mark().line + 1); }

// Converts the parsed YAML to JSON, expanding aliases. yaml-cpp shares an aliased node instead of
// copying it, so a small file can expand exponentially (nested aliases): the expansion counts the
// nodes it makes and stops at kMaxConfigNodes.
class YamlToJson {
 public:
  json convert(const YAML::Node& node) {
    if (++nodes_ > kMaxConfigNodes) {
      throw Error("config expands to more than " + std::to_string(kMaxConfigNodes) +
                  " values (aliases that repeat each other?)");
    }
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return convert_map(node);
      case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const auto& item : node) out.push_back(convert(item));
        return out;
      }
      case YAML::NodeType::Scalar:
        return scalar_to_json(node);
      default:
        return nullptr;
    }
  }

 private:
  // YAML lets a key repeat and yaml-cpp keeps both; the last would win silently.
  json convert_map(const YAML::Node& node) {
    json out = json::object();
    std::map<std::string, int> first_line;
    for (const auto& item : node) {
      // A key may itself be a mapping or a list in YAML; no config key is, and as<string> would throw.
      if (!item.first.IsScalar()) {
        throw Error("invalid config: " + line_of(item.first) + ": a key must be a plain name, not a mapping or a list");
      }
      const std::string key = item.first.as<std::string>();
      const auto seen = first_line.emplace(key, item.first.Mark().line + 1);
      if (!seen.second) {
        throw Error("invalid config: " + line_of(item.first) + ": key '" + key + "' is given twice (first on line " +
                    std::to_string(seen.first->second) + ")");
      }
      // `mask_policy: null` would read as "not given" and fall back to the default; only a
      // section may be left empty (its keys all commented out).
      if (item.second.IsNull() && kSections.count(key) == 0) {
        throw Error("invalid config: " + line_of(item.first) + ": '" + key +
                    "' has no value; give one or remove the line");
      }
      out[key] = convert(item.second);
    }
    return out;
  }

  const std::set<std::string> kSections = {"model", "instances", "metrics", "run", "finetune"};

  long long nodes_ = 0;
};

// Reads one section with a fixed set of keys, so typos are reported instead of ignored.
class Section {
 public:
  Section(const json& value, std::string name, const fs::path& file,
          const std::vector<std::string>& keys)
      : value_(value), name_(std::move(name)), file_(file) {
    if (value_.is_null()) return;
    if (!value_.is_object()) fail("must be a mapping");
    check_keys(value_, keys, file_.string() + (name_.empty() ? "" : ": " + name_));
  }

  template <typename T>
  void get(const std::string& key, T& out) const {
    if (value_.is_null() || !value_.contains(key) || value_.at(key).is_null()) return;
    const json& value = value_.at(key);
    // json's get<int> casts 4294967297 to 1 and 2.5 to 2; a count must be an integer that fits.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (!value.is_number_integer() || value.get<long long>() < std::numeric_limits<T>::min() ||
          (value.get<long long>() > 0 &&
           static_cast<unsigned long long>(value.get<long long>()) > std::numeric_limits<T>::max())) {
        throw Error(file_, "'" + qualified(key) + "' must be an integer from " +
                               std::to_string(std::numeric_limits<T>::min()) + " to " +
                               std::to_string(std::numeric_limits<T>::max()) + ", not " + value.dump());
      }
    }
    try {
      out = value.get<T>();
    } catch (const json::exception&) {
      throw Error(file_, "'" + qualified(key) + "' has the wrong type: " + value.dump());
    }
  }

  void get_path(const std::string& key, fs::path& out) const {
    std::string text;
    get(key, text);
    if (!text.empty()) out = (fs::absolute(file_).parent_path() / text).lexically_normal();
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw Error(file_, "'" + name_ + "' " + reason);
  }

 private:
  std::string qualified(const std::string& key) const {
    return name_.empty() ? key : name_ + "." + key;
  }

  json value_;
  std::string name_;
  fs::path file_;
};

// What one suite dataset sets apart from the suite: its published baselines, its prompt and mask
// policy, and a fine-tuned model from the suite's own output (the study's Table 10).
void read_entry_overrides(const Section& entry, const json& value, const std::string& where, const fs::path& file,
                          SuiteEntry& out) {
  entry.get("model_from_run", out.model_from_run);
  if (out.model_from_run.find_first_of("/\\") != std::string::npos || out.model_from_run.rfind('.', 0) == 0) {
    throw Error(file, "'" + where + ".model_from_run': must be a plain folder name of the suite's output");
  }
  out.baselines = value.value("baselines", json());
  if (!out.baselines.is_null() && !out.baselines.is_array()) {
    throw Error(file, "'" + where + ".baselines': expected a list of {source, metric, values}");
  }
  out.prompt = value.value("prompt", json());
  out.mask_policy = value.value("mask_policy", json());
  try {
    if (!out.prompt.is_null()) parse_prompt_modes(out.prompt);
    if (!out.mask_policy.is_null()) parse_mask_policy_names(out.mask_policy);
  } catch (const Error& e) {
    throw Error(file, where + ": " + e.what());
  }
}

// `datasets: {name: {dataset: {...}, instances: {...}}}`, in name order; each entry's instances
// start from the suite's.
std::vector<SuiteEntry> read_suite(const json& datasets, const InstanceConfig& defaults, const fs::path& file) {
  if (!datasets.is_object() || datasets.empty()) {
    throw Error(file, "'datasets' must map names to {dataset: ..., instances: ...} sections");
  }
  std::vector<SuiteEntry> suite;
  for (const auto& item : datasets.items()) {
    const std::string where = "datasets." + item.key();
    Section entry(item.value(), where, file,
                  {"dataset", "instances", "baselines", "prompt", "mask_policy", "model_from_run"});
    if (!item.value().contains("dataset") || !item.value()["dataset"].is_object()) {
      throw Error(file, "'" + where + "' needs a 'dataset' mapping");
    }
    if (item.key().empty() || item.key().find_first_of("/\\") != std::string::npos || item.key()[0] == '.') {
      throw Error(file, "'" + where + "': a suite name must be a plain folder name");
    }
    SuiteEntry out;
    out.name = item.key();
    out.dataset = item.value()["dataset"];
    out.instances = defaults;
    Section instances(item.value().value("instances", json()), where + ".instances", file, {"min_area", "whole_class"});
    instances.get("min_area", out.instances.min_area);
    instances.get("whole_class", out.instances.whole_class);
    read_entry_overrides(entry, item.value(), where, file, out);
    suite.push_back(out);
  }
  return suite;
}

bool plain_folder_name(const std::string& name) {
  return !name.empty() && name.find_first_of("/\\") == std::string::npos && name[0] != '.';
}

// `models: [{name: sam_vit_b, path: ...}, {name: medsam, path: ..., prompt: box}]`, in list order
// (the first is compare's reference); device and precision start from the `model:` section's.
std::vector<ModelEntry> read_models(const json& models, const ModelConfig& defaults, const fs::path& file) {
  if (!models.is_array() || models.empty()) {
    throw Error(file, "'models' must be a list of {name: ..., path: ...} entries");
  }
  std::vector<ModelEntry> out;
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string where = "models[" + std::to_string(i) + "]";
    Section entry(models[i], where, file, {"name", "path", "device", "precision", "prompt", "mask_policy"});
    if (!models[i].is_object()) entry.fail("must be a mapping with 'name' and 'path'");
    ModelEntry model;
    model.model = defaults;
    entry.get("name", model.name);
    entry.get_path("path", model.model.path);
    entry.get("device", model.model.device);
    entry.get("precision", model.model.precision);
    if (!plain_folder_name(model.name)) entry.fail("needs a 'name' that is a plain folder name (its results' folder)");
    if (model.model.path.empty()) entry.fail("needs a 'path' (a .pt from scripts/export_sam.py)");
    for (const ModelEntry& before : out) {
      if (before.name == model.name) entry.fail("repeats the name '" + model.name + "' (each model has its own folder)");
    }
    model.prompt = models[i].value("prompt", json());
    model.mask_policy = models[i].value("mask_policy", json());
    try {
      if (!model.prompt.is_null()) parse_prompt_modes(model.prompt);
      if (!model.mask_policy.is_null()) parse_mask_policy_names(model.mask_policy);
    } catch (const Error& e) {
      throw Error(file, where + ": " + e.what());
    }
    out.push_back(model);
  }
  return out;
}

json parse_yaml(const fs::path& file) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (fs::is_directory(status)) throw Error(file, "is a folder; --config takes a YAML file");
  if (!fs::exists(status)) throw Error(file, "config file not found");
  if (!fs::is_regular_file(status)) {
    throw Error(file, "is not a regular file (a FIFO, device or socket); --config takes a YAML file");
  }
  const auto size = fs::file_size(file, ec);
  if (ec || size > static_cast<std::uintmax_t>(kMaxConfigBytes)) {
    throw Error(file, "config is larger than " + std::to_string(kMaxConfigBytes / 1024) + " KiB");
  }
  // Read by one non-blocking open that checks the file again: a FIFO swapped in after the check
  // above must not block the run forever.
  const std::string text = read_regular_file(file, static_cast<size_t>(kMaxConfigBytes), Symlinks::kFollow);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(file, "invalid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) throw Error(file, "config is empty");
  if (!root.IsMap()) throw Error(file, "config must be a mapping of sections");
  json config;
  try {
    config = YamlToJson().convert(root);
  } catch (const Error& e) {
    throw Error(file, e.what());
  }
  try {
    (void)config.dump();  // messages quote config values, and dump() throws on invalid UTF-8
  } catch (const json::type_error&) {
    throw Error(file, "config is not valid UTF-8 text");
  }
  return config;
}

// A spec of `prompt`: the iterative mode wraps the plain mode it starts from.
ModeSpec parse_mode_spec(const json& spec) {
  if (spec == "everything" || (spec.is_object() && spec.value("mode", "") == "everything")) {
    return {spec, 0, true, spec};
  }
  if (!spec.is_object() || spec.value("mode", "") != "iterative") return {spec, 0, false, spec};
  check_keys(spec, {"mode", "start", "rounds"}, "prompt iterative");
  ModeSpec out{spec.value("start", json("centroid")), 5, false, spec};
  if (spec.contains("rounds")) {
    if (!spec["rounds"].is_number_integer() || spec["rounds"].get<int>() < 1 || spec["rounds"].get<int>() > 100) {
      throw Error("prompt iterative: 'rounds' must be an integer in 1..100");
    }
    out.rounds = spec["rounds"].get<int>();
  }
  ModeSpec start = parse_mode_spec(out.rule);
  if (start.rounds > 0 || start.everything) throw Error("prompt iterative: 'start' must be a plain mode");
  return out;
}

}  // namespace

PromptModes parse_prompt_modes(const json& prompt) {
  PromptModes out;
  out.listed = prompt.is_array();
  if (out.listed && prompt.empty()) throw Error("prompt: the list of prompt modes is empty");
  for (const auto& spec : out.listed ? prompt : json::array({prompt})) out.modes.push_back(parse_mode_spec(spec));
  return out;
}

json PromptModes::as_written() const {
  json specs = json::array();
  for (const auto& mode : modes) specs.push_back(mode.written);
  return listed ? specs : specs.at(0);
}

MaskPolicyNames parse_mask_policy_names(const json& mask_policy) {
  MaskPolicyNames out;
  out.listed = mask_policy.is_array();
  if (out.listed && mask_policy.empty()) throw Error("mask_policy: the list of policies is empty");
  for (const auto& item : out.listed ? mask_policy : json::array({mask_policy})) {
    if (!item.is_string()) throw Error("mask_policy: expected a policy name, got " + item.dump());
    const std::string name = item.get<std::string>();
    if (std::find(out.names.begin(), out.names.end(), name) != out.names.end()) {
      throw Error("mask_policy: '" + name + "' is listed twice");
    }
    out.names.push_back(name);
  }
  return out;
}

json MaskPolicyNames::as_written() const {
  return listed ? json(names) : json(names.at(0));
}

void check_keys(const json& section, const std::vector<std::string>& allowed,
                const std::string& where) {
  for (const auto& item : section.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    throw Error(where + ": unknown key '" + item.key() + "' (expected one of: " + join(allowed) + ")");
  }
}

Config load_config(const fs::path& file) {
  json root = parse_yaml(file);
  Config config;
  // Absolute, so that a recorded run can be re-read from any folder (sambench rescore).
  config.file = fs::absolute(file).lexically_normal();
  config.dataset_base = config.file.parent_path();

  Section top(root, "", file,
              {"name", "dataset", "datasets", "model", "instances", "prompt", "prompt_seed", "replay_prompts",
               "replay_max_points", "mask_policy", "empty_rule", "metrics", "baselines", "run", "finetune",
               "data_root", "models"});
  top.get("name", config.name);
  top.get_path("data_root", config.dataset_base);
  top.get("prompt_seed", config.prompt_seed);
  top.get_path("replay_prompts", config.replay_prompts);
  top.get("replay_max_points", config.replay_max_points);
  top.get("empty_rule", config.empty_rule);
  top.get("baselines", config.baselines);
  if (!config.baselines.is_array()) throw Error(file, "baselines: expected a list of {source, metric, values}");
  json prompt = config.prompt.as_written(), mask_policy = config.mask_policy.as_written();
  top.get("prompt", prompt);
  top.get("mask_policy", mask_policy);
  try {
    config.prompt = parse_prompt_modes(prompt);
    config.mask_policy = parse_mask_policy_names(mask_policy);
    config.mask_policy.written = root.contains("mask_policy");
  } catch (const Error& e) {
    throw Error(file, e.what());
  }

  Section metrics(root.value("metrics", json()), "metrics", file,
                  {"surface", "nsd_tolerance_mm", "bootstrap", "bootstrap_seed"});
  metrics.get("surface", config.metrics.surface);
  metrics.get("nsd_tolerance_mm", config.metrics.nsd_tolerance_mm);
  metrics.get("bootstrap", config.metrics.bootstrap);
  metrics.get("bootstrap_seed", config.metrics.bootstrap_seed);

  if (root.contains("datasets") == root.contains("dataset")) {
    throw Error(file, root.contains("dataset") ? "has both 'dataset' and 'datasets'; keep one"
                                               : "missing 'dataset' section (or 'datasets' for a suite)");
  }
  if (root.contains("dataset")) {
    if (!root["dataset"].is_object()) throw Error(file, "'dataset' must be a mapping");
    config.dataset = root["dataset"];
  }
  config.finetune = root.value("finetune", json());

  Section model(root.value("model", json()), "model", file, {"path", "device", "precision", "profile"});
  model.get_path("path", config.model.path);
  model.get("device", config.model.device);
  model.get("precision", config.model.precision);
  model.get("profile", config.model.profile);
  if (!config.model.profile.is_object()) throw Error(file, "model.profile: expected a mapping of profile fields");
  if (root.contains("models")) {
    if (!config.model.path.empty()) {
      throw Error(file, "has both 'model.path' and 'models'; keep one ('model:' may still set device and precision)");
    }
    config.models = read_models(root["models"], config.model, file);
  }

  Section instances(root.value("instances", json()), "instances", file, {"min_area", "whole_class", "max_instances"});
  instances.get("min_area", config.instances.min_area);
  instances.get("max_instances", config.instances.max_instances);
  instances.get("whole_class", config.instances.whole_class);

  Section run(root.value("run", json()), "run", file,
              {"output", "threads", "limit", "decode_batch", "save_predictions", "save_logits", "prefetch",
               "workers", "metric_workers", "embedding_cache", "embedding_cache_shared", "encode_batch"});
  run.get_path("output", config.run.output);
  run.get("threads", config.run.threads);
  run.get("limit", config.run.limit);
  run.get("decode_batch", config.run.decode_batch);
  run.get("save_predictions", config.run.save_predictions);
  run.get("save_logits", config.run.save_logits);
  run.get("prefetch", config.run.prefetch);
  run.get("encode_batch", config.run.encode_batch);
  run.get("workers", config.run.workers);
  run.get("metric_workers", config.run.metric_workers);
  run.get_path("embedding_cache", config.run.embedding_cache);
  run.get("embedding_cache_shared", config.run.embedding_cache_shared);
  config.run.save_predictions |= config.run.save_logits;  // logits sit beside their masks

  if (root.contains("datasets")) config.suite = read_suite(root["datasets"], config.instances, file);
  for (const ModelEntry& model : config.models) {
    for (const SuiteEntry& entry : config.suite) {
      // --only picks a dataset or a model by its folder name: the two must not be the same.
      if (entry.name == model.name) throw Error(file, "'" + model.name + "' names both a model and a dataset");
    }
  }
  if (config.name.empty()) config.name = file.stem().string();
  if (config.run.output.empty()) config.run.output = fs::path("runs") / config.name;
  return config;
}

namespace {

bool is_within(const fs::path& path, const fs::path& folder) {
  const fs::path relative = path.lexically_relative(folder);
  return !relative.empty() && *relative.begin() != "..";
}

// One config per model, each writing into its own folder; a model's own prompt and mask policy
// replace the config's and its suite entries'.
std::vector<Config> expand_models(const Config& config) {
  std::vector<Config> out;
  for (const ModelEntry& entry : config.models) {
    Config one = config;
    one.models.clear();
    one.model = entry.model;
    one.model_name = entry.name;
    one.name = config.name + "/" + entry.name;
    one.run.output = config.run.output / entry.name;
    for (Config& each : expand_suite(one)) {
      if (!entry.prompt.is_null()) each.prompt = parse_prompt_modes(entry.prompt);
      if (!entry.mask_policy.is_null()) each.mask_policy = parse_mask_policy_names(entry.mask_policy);
      out.push_back(each);
    }
  }
  return out;
}

}  // namespace

std::string output_outside_notice(const Config& config, const fs::path& cwd) {
  const fs::path output = fs::absolute(config.run.output).lexically_normal();
  const fs::path here = fs::absolute(cwd).lexically_normal();
  if (is_within(output, config.file.parent_path()) || is_within(output, here)) return "";
  return "run.output of " + config.file.string() + " is " + output.string() +
         ", outside the config's folder and the current folder: the run writes there";
}

std::vector<Config> expand_suite(const Config& config) {
  if (!config.models.empty()) return expand_models(config);
  if (config.suite.empty()) return {config};
  std::vector<Config> out;
  for (const auto& entry : config.suite) {
    Config one = config;
    one.suite.clear();
    one.name = config.name + "/" + entry.name;
    one.dataset = entry.dataset;
    one.instances = entry.instances;
    one.run.output = config.run.output / entry.name;
    if (!entry.baselines.is_null()) one.baselines = entry.baselines;
    if (!entry.prompt.is_null()) one.prompt = parse_prompt_modes(entry.prompt);
    if (!entry.mask_policy.is_null()) one.mask_policy = parse_mask_policy_names(entry.mask_policy);
    if (!entry.model_from_run.empty()) one.model.path = config.run.output / entry.model_from_run / "finetuned.pt";
    out.push_back(one);
  }
  return out;
}

void validate(const Config& config) {
  const fs::path where = config.file.empty() ? fs::path("config") : config.file;
  auto require = [&](bool ok, const std::string& reason) {
    if (!ok) throw Error(where, reason);
  };
  require(!config.model.path.empty(), "no model: set 'model.path' or pass --model");
  require(!config.run.output.empty(), "no output folder: set 'run.output' or pass --output");
  auto require_range = [&](long long value, long long low, long long high, const std::string& name,
                           const std::string& meaning) {
    require(value >= low && value <= high, "'" + name + "' must be from " + std::to_string(low) + " to " +
                                               std::to_string(high) + " (" + meaning + "), not " +
                                               std::to_string(value));
  };
  require_range(config.run.threads, 0, kMaxThreads, "run.threads", "0 = one per core");
  require(config.run.limit >= 0, "'run.limit' must be >= 0 (0 = no limit)");
  require_range(config.run.decode_batch, 0, kMaxDecodeBatch, "run.decode_batch", "0 = chosen per device");
  require_range(config.run.prefetch, 0, kMaxPrefetch, "run.prefetch", "0 = no read-ahead");
  require_range(config.run.workers, -1, kMaxThreads, "run.workers",
                "0 = every stage on the model thread, -1 = one per core the model leaves free");
  require_range(config.run.metric_workers, -1, kMaxThreads, "run.metric_workers",
                "0 = on the model thread, -1 = on the workers when the model leaves cores free");
  require_range(config.run.encode_batch, 0, kMaxEncodeBatch, "run.encode_batch", "0 = chosen per device");
  require(std::find(kPrecisions.begin(), kPrecisions.end(), config.model.precision) != kPrecisions.end(),
          "'model.precision' must be one of " + join(kPrecisions) + ", not '" + config.model.precision + "'");
  require_range(config.instances.min_area, 1, kMaxMinArea, "instances.min_area", "pixels");
  for (const SuiteEntry& entry : config.suite) {
    require_range(entry.instances.min_area, 1, kMaxMinArea, "datasets." + entry.name + ".instances.min_area",
                  "pixels");
  }
  require(config.metrics.nsd_tolerance_mm > 0 && config.metrics.nsd_tolerance_mm <= kMaxNsdToleranceMm,
          "'metrics.nsd_tolerance_mm' must be > 0 and <= " + std::to_string(static_cast<int>(kMaxNsdToleranceMm)));
  require_range(config.metrics.bootstrap, 0, kMaxBootstrap, "metrics.bootstrap", "0 = no intervals");
  require(config.instances.max_instances >= 1, "'instances.max_instances' must be >= 1");
  require(config.replay_max_points >= 1, "'replay_max_points' must be >= 1");
  require(config.dataset.is_object() && config.dataset.contains("adapter"),
          "'dataset.adapter' is missing");
  const bool one_policy = config.mask_policy.names.size() == 1;
  const std::vector<ModeSpec>& modes = config.prompt.modes;
  const bool iterative = std::any_of(modes.begin(), modes.end(), [](const ModeSpec& m) { return m.rounds > 0; });
  require(!config.run.save_predictions || (modes.size() == 1 && one_policy && !iterative),
          "'run.save_predictions' takes one plain prompt mode and one mask policy per run");
  require(!iterative || one_policy, "the iterative mode takes one mask policy (its clicks follow the kept mask)");
  require(!iterative || config.replay_prompts.empty(),
          "'replay_prompts' cannot replay the iterative mode (its clicks follow SAM's masks)");
}

namespace {

// Profile overrides only when there are any, so that the configs of runs without them keep their bytes.
json model_json(const ModelConfig& model) {
  json out = {{"path", model.path.string()}, {"device", model.device}, {"precision", model.precision}};
  if (!model.profile.empty()) out["profile"] = model.profile;
  return out;
}

}  // namespace

json to_json(const Config& config) {
  return {
      {"name", config.name},
      {"dataset", config.dataset},
      // Where the dataset's relative paths start, so the run can be re-read from any folder.
      {"dataset_base", (config.dataset_base.empty() ? fs::current_path() : fs::absolute(config.dataset_base))
                           .lexically_normal()
                           .string()},
      {"model", model_json(config.model)},
      {"instances",
       {{"min_area", config.instances.min_area}, {"whole_class", config.instances.whole_class}}},
      {"prompt", config.prompt.as_written()},
      {"prompt_seed", config.prompt_seed},
      {"replay_prompts", config.replay_prompts.string()},
      {"mask_policy", config.mask_policy.as_written()},
      {"empty_rule", config.empty_rule},
      {"metrics",
       {{"surface", config.metrics.surface},
        {"nsd_tolerance_mm", config.metrics.nsd_tolerance_mm},
        {"bootstrap", config.metrics.bootstrap},
        {"bootstrap_seed", config.metrics.bootstrap_seed}}},
      {"baselines", config.baselines},
      {"run",
       {{"output", config.run.output.string()},
        {"threads", config.run.threads},
        {"limit", config.run.limit},
        {"decode_batch", config.run.decode_batch},
        {"save_predictions", config.run.save_predictions},
        {"save_logits", config.run.save_logits}}},
  };
}

Config config_from_json(const json& resolved, const fs::path& file) {
  Config config;
  try {
    config.file = file;
    config.dataset_base = resolved.at("dataset_base").get<std::string>();
    config.name = resolved.at("name").get<std::string>();
    config.dataset = resolved.at("dataset");
    const json& model = resolved.at("model");
    config.model.path = model.at("path").get<std::string>();
    config.model.device = model.at("device").get<std::string>();
    config.model.precision = model.value("precision", "fp32");  // runs recorded before the key: fp32
    config.model.profile = model.value("profile", json::object());
    const json& inst = resolved.at("instances");
    config.instances.min_area = inst.at("min_area").get<int>();
    config.instances.whole_class = inst.at("whole_class").get<bool>();
    config.prompt = parse_prompt_modes(resolved.at("prompt"));
    config.prompt_seed = resolved.value("prompt_seed", 0LL);
    config.replay_prompts = resolved.value("replay_prompts", std::string());
    config.mask_policy = parse_mask_policy_names(resolved.at("mask_policy"));
    config.empty_rule = resolved.at("empty_rule").get<std::string>();
    // Runs recorded before these keys existed scored with the defaults' Dice and IoU only.
    const json metrics = resolved.value("metrics", json::object());
    config.metrics.surface = metrics.value("surface", config.metrics.surface);
    config.metrics.nsd_tolerance_mm = metrics.value("nsd_tolerance_mm", config.metrics.nsd_tolerance_mm);
    config.metrics.bootstrap = metrics.value("bootstrap", config.metrics.bootstrap);
    config.metrics.bootstrap_seed = metrics.value("bootstrap_seed", config.metrics.bootstrap_seed);
    config.baselines = resolved.value("baselines", json::array());
    const json& run = resolved.at("run");
    config.run.output = run.at("output").get<std::string>();
    config.run.threads = run.at("threads").get<int>();
    config.run.limit = run.at("limit").get<int>();
    config.run.decode_batch = run.at("decode_batch").get<int>();
    config.run.save_predictions = run.value("save_predictions", false);
    config.run.save_logits = run.value("save_logits", false);
  } catch (const json::exception& e) {
    throw Error(file, std::string("recorded config is incomplete: ") + e.what());
  } catch (const Error& e) {
    throw Error(file, std::string("recorded config is invalid: ") + e.what());
  }
  return config;
}

}  // namespace sambench
