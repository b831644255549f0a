#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sambench {

// What model.precision accepts: the image encoder's dtype (SamModel::load).
inline const std::vector<std::string> kPrecisions = {"fp32", "bf16", "fp16"};

// Bounds on what a config may ask for, checked before the model loads (validate), so that a typo
// or a hostile file is refused at once instead of exhausting memory or threads hours later.
inline constexpr long long kMaxConfigBytes = 1 << 20;   // a config file's size
inline constexpr long long kMaxConfigNodes = 100000;    // values after expanding YAML aliases
inline constexpr int kMaxThreads = 256;                 // run.threads, run.workers, run.metric_workers
inline constexpr int kMaxPrefetch = 64;                 // run.prefetch (each holds a whole sample)
inline constexpr int kMaxDecodeBatch = 4096;            // run.decode_batch
inline constexpr int kMaxEncodeBatch = 256;             // run.encode_batch
inline constexpr int kMaxBootstrap = 100000;            // metrics.bootstrap resamples
inline constexpr int kMaxMinArea = 100000000;           // instances.min_area, pixels
inline constexpr double kMaxNsdToleranceMm = 1000.0;    // metrics.nsd_tolerance_mm

struct ModelConfig {
  std::filesystem::path path;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  std::string precision = "fp32";  // one of kPrecisions
  // Overrides of the model's profile ({field: value}, model_profile.h checks them when the model
  // loads): the run then no longer follows the model's own pipeline, and says so.
  nlohmann::json profile = nlohmann::json::object();
};

struct InstanceConfig {
  int min_area = 1;          // components smaller than this (pixels) are not instances
  bool whole_class = false;  // true: the whole class mask is one instance
  // More instances in one label map is an error (each holds a full-size mask: a 600 x 600 dot
  // grid makes 40,000 of them, gigabytes). Refuses, never changes results: not recorded.
  long long max_instances = 10000;
};

struct RunConfig {
  std::filesystem::path output;
  int threads = 0;        // 0: one per core
  int limit = 0;          // 0: every sample
  int decode_batch = 0;   // prompts per decoder call; 0: default_decode_batch(device)
  bool save_predictions = false;  // kept masks and label maps under predictions/
  bool save_logits = false;       // the kept masks' low-res logits as .npy (implies predictions)
  // Speed only, never results (so not recorded in summary.json; timings.json has them):
  int prefetch = 2;                        // samples read and preprocessed ahead; 0: sequential
  int encode_batch = 0;  // images per encoder call; 0: default_encode_batch(device) (same bits on a CPU)
  int workers = -1;         // the worker pool beside the model (read-ahead, work after the decoder); -1: auto
  int metric_workers = -1;  // 0: the work after the decoder on the model thread; -1: auto; N: pool size if workers is -1
  std::filesystem::path embedding_cache;   // on-disk embedding cache folder; empty: none
  // Accept a cache folder that other users can write (docs/security.md): everyone who can write
  // it decides the embeddings of everyone who reads it.
  bool embedding_cache_shared = false;
};

// How rows are scored and summarized beyond Dice and IoU (surface.h, bootstrap.h).
struct MetricsConfig {
  bool surface = true;            // NSD and HD95 (two distance maps per row)
  double nsd_tolerance_mm = 2.0;  // NSD tolerance; 2D data without spacing: 1 pixel = 1 mm
  int bootstrap = 1000;           // resamples for the 95% confidence intervals; 0: none
  long long bootstrap_seed = 0;
};

// One dataset of a suite config (`datasets:`), with what differs from the suite's defaults.
struct SuiteEntry {
  std::string name;
  nlohmann::json dataset;
  InstanceConfig instances;
  nlohmann::json baselines;    // null: the suite's
  nlohmann::json prompt;       // null: the suite's
  nlohmann::json mask_policy;  // null: the suite's
  // A folder of the suite's output holding a finetuned.pt (`sambench finetune` wrote it there):
  // the model this entry evaluates instead of the suite's. Empty: the suite's model.
  std::string model_from_run;
};

// One model of a config's `models:` list: every dataset is evaluated with each model in turn, into
// run.output/<name>/. A model may carry its own prompt and mask policy (MedSAM was trained on
// boxes): they replace the config's and any suite entry's for that model.
struct ModelEntry {
  std::string name;            // a plain folder name, unique in the list
  ModelConfig model;           // device and precision default to the `model:` section's
  nlohmann::json prompt;       // null: the config's
  nlohmann::json mask_policy;  // null: the config's
};

// One prompt mode of a config's `prompt`: a name ("centroid") or a spec ({mode: box, margin: 20}),
// split into the prompt rule it starts from and its corrective-click rounds.
// {mode: iterative, start: centroid, rounds: 5} starts from `start` and adds up to rounds - 1
// clicks; any other spec is a plain rule (rounds 0). The prompts module makes the rule (prompt.h).
struct ModeSpec {
  nlohmann::json rule;
  int rounds = 0;
  bool everything = false;  // SAM's automatic mask generation: `rule` holds its options
  nlohmann::json written;   // the spec as the config wrote it (rounds left out stay out)
};

// `prompt`: one mode or a list of them, compared side by side.
struct PromptModes {
  std::vector<ModeSpec> modes;
  bool listed = false;  // written as a list: `[centroid]` is recorded as a list, `centroid` is not
  // The value as the config wrote it, for summary.json.
  nlohmann::json as_written() const;
};

// `mask_policy`: one policy name or a list of them; every mode is reported under each
// (mask_policy.h knows the names).
struct MaskPolicyNames {
  std::vector<std::string> names;
  bool listed = false;  // written as a list
  // False when a config file leaves `mask_policy` out: eval then keeps the output the model's
  // profile keeps (mask_output: best_score for multimask, single for single).
  bool written = true;
  nlohmann::json as_written() const;
};

// The structure of `prompt` and `mask_policy`; throw Error (without a file) on an empty list, a
// policy listed twice, a policy that is not a name, or an iterative spec with unknown keys,
// `rounds` outside 1..100 or a `start` that is not a plain mode.
PromptModes parse_prompt_modes(const nlohmann::json& prompt);
MaskPolicyNames parse_mask_policy_names(const nlohmann::json& mask_policy);

// Everything that shapes the numbers. Paths in a YAML file are relative to that file's folder.
struct Config {
  std::filesystem::path file;  // where it was read from, empty if built in code
  std::string name;
  nlohmann::json dataset;  // "adapter" plus that adapter's own keys; the adapter validates them
  // Folder that relative dataset paths start from: the config's folder, or its `data_root`.
  std::filesystem::path dataset_base;
  ModelConfig model;
  InstanceConfig instances;
  PromptModes prompt = parse_prompt_modes("centroid");
  long long prompt_seed = 0;  // seeds the random prompt modes, per instance
  std::filesystem::path replay_prompts;  // a prompts.jsonl to replay instead of deriving prompts
  // More points in one replayed prompt is an error (the decoder's memory grows with them: 5,000
  // points took 2 GB). Refuses, never changes results: not recorded.
  int replay_max_points = 256;
  MaskPolicyNames mask_policy = parse_mask_policy_names("best_score");
  std::string empty_rule = "nan";  // empty truth and empty prediction: "nan" (excluded) or "one"
  MetricsConfig metrics;
  // Published numbers printed beside the measured ones: a list, empty by default. Kept as written,
  // since report.md reads them back from summary.json; baselines.h parses the entries.
  nlohmann::json baselines = nlohmann::json::array();
  RunConfig run;
  // A suite: several datasets evaluated one after the other with the same model and settings,
  // each into run.output/<name>/. Empty for a single-dataset config; see expand_suite.
  std::vector<SuiteEntry> suite;
  // Several models (`models:` instead of `model.path`), each evaluated on every dataset; empty
  // for a one-model config. expand_suite makes one config per model and dataset.
  std::vector<ModelEntry> models;
  std::string model_name;  // the models-list entry this config was expanded from; empty: none
  nlohmann::json finetune;  // `sambench finetune`'s own section (finetune.h); eval ignores it
};

// The configs a run evaluates: the config itself, or one per suite dataset (named
// <name>/<dataset>, writing to <output>/<dataset>); with a models list, that for each model in
// list order (named <name>/<model>[/<dataset>], writing to <output>/<model>[/<dataset>]).
std::vector<Config> expand_suite(const Config& config);

// Reads a YAML config and checks its structure. Unknown keys are errors, so a typo never silently
// falls back to a default.
Config load_config(const std::filesystem::path& file);

// Checks values that every command needs (model path, output, ranges, what save_predictions,
// replay_prompts and the iterative mode allow together); throws Error. The names that other
// modules know (prompt rules, mask policies, the empty rule, baselines) are theirs to check: the
// run checks them in settings_of (src/run/settings.h), finetune its prompt rule.
void validate(const Config& config);

// A config from elsewhere chooses where the run writes: when run.output lies outside both the
// config's folder and `cwd` (a "../../.." that climbs out, an absolute path elsewhere), a one-line
// notice naming the resolved folder; "" otherwise. (What the run may delete there is limited by
// the folder rules: docs/reliability.md, "The output folder".)
std::string output_outside_notice(const Config& config, const std::filesystem::path& cwd);

// Throws Error if `section` (a mapping) has a key outside `allowed`. `where` names the file and
// section for the message, e.g. "demo.yaml: dataset".
void check_keys(const nlohmann::json& section, const std::vector<std::string>& allowed,
                const std::string& where);

// The resolved config as recorded in summary.json, and back (for commands that rework a run).
nlohmann::json to_json(const Config& config);
Config config_from_json(const nlohmann::json& resolved, const std::filesystem::path& file);

}  // namespace sambench
