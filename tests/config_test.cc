#include "sambench/data/config.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_text;

// The least a config needs to pass validate().
Config valid_config() {
  Config c;
  c.dataset = {{"adapter", "folder"}};
  c.model.path = "m.pt";
  c.run.output = "out";
  return c;
}

std::string error_of(const std::filesystem::path& file) {
  try {
    load_config(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LoadConfig, ReadsEverySectionAndResolvesPathsAgainstTheFile) {
  TempDir dir;
  write_text(dir / "configs" / "c.yaml", R"(
name: trial
dataset:
  adapter: folder
  root: ../data
  classes: {1: liver, 2: spleen}
model:
  path: ../models/sam.pt
  device: cpu
instances: {min_area: 25, whole_class: true}
prompt: centroid
mask_policy: single
empty_rule: one
run: {output: ../runs/x, threads: 3, limit: 7, decode_batch: 4, encode_batch: 5}
)");
  Config c = load_config(dir / "configs" / "c.yaml");
  EXPECT_EQ(c.name, "trial");
  EXPECT_EQ(c.dataset["adapter"], "folder");
  EXPECT_EQ(c.dataset["classes"]["2"], "spleen");
  EXPECT_EQ(c.dataset_base, dir / "configs");
  EXPECT_EQ(c.model.path, dir.path() / "models" / "sam.pt");
  EXPECT_EQ(c.model.device, "cpu");
  EXPECT_EQ(c.instances.min_area, 25);
  EXPECT_TRUE(c.instances.whole_class);
  EXPECT_EQ(c.mask_policy.names, std::vector<std::string>{"single"});
  EXPECT_FALSE(c.mask_policy.listed);
  EXPECT_EQ(c.empty_rule, "one");
  EXPECT_EQ(c.run.output, dir.path() / "runs" / "x");
  EXPECT_EQ(c.run.threads, 3);
  EXPECT_EQ(c.run.limit, 7);
  EXPECT_EQ(c.run.decode_batch, 4);
  EXPECT_EQ(c.run.encode_batch, 5);
  EXPECT_NO_THROW(validate(c));
}

// model.profile is kept as written (the model module checks it when the model loads) and recorded
// only when given; an unwritten mask_policy is marked so that the model's profile may choose it.
TEST(LoadConfig, ModelProfileOverridesAndUnwrittenMaskPolicy) {
  TempDir dir;
  write_text(dir / "p.yaml", "dataset: {adapter: folder}\nmodel: {path: m.pt, profile: {upscale: direct, value_range: 1}}\n");
  Config c = load_config(dir / "p.yaml");
  EXPECT_EQ(c.model.profile, nlohmann::json({{"upscale", "direct"}, {"value_range", 1}}));
  EXPECT_EQ(to_json(c)["model"]["profile"], c.model.profile);
  EXPECT_EQ(config_from_json(to_json(c), "p.yaml").model.profile, c.model.profile);
  EXPECT_FALSE(c.mask_policy.written);
  EXPECT_EQ(c.mask_policy.names, std::vector<std::string>{"best_score"});

  write_text(dir / "q.yaml", "dataset: {adapter: folder}\nmask_policy: best_score\n");
  Config q = load_config(dir / "q.yaml");
  EXPECT_TRUE(q.mask_policy.written);
  EXPECT_FALSE(to_json(q)["model"].contains("profile"));

  write_text(dir / "bad.yaml", "dataset: {adapter: folder}\nmodel: {profile: square}\n");
  EXPECT_TRUE(testing::contains(error_of(dir / "bad.yaml"), "model.profile: expected a mapping"));
}

TEST(LoadConfig, DefaultsWhenSectionsAreMissing) {
  TempDir dir;
  write_text(dir / "minimal.yaml", "dataset: {adapter: folder}\n");
  Config c = load_config(dir / "minimal.yaml");
  EXPECT_EQ(c.name, "minimal");
  ASSERT_EQ(c.prompt.modes.size(), 1u);
  EXPECT_EQ(c.prompt.modes[0].rule, "centroid");
  EXPECT_EQ(c.prompt.as_written(), "centroid");
  EXPECT_EQ(c.mask_policy.names, std::vector<std::string>{"best_score"});
  EXPECT_EQ(c.run.output, std::filesystem::path("runs/minimal"));
  EXPECT_EQ(c.run.decode_batch, 0);  // chosen per device
  EXPECT_EQ(c.run.encode_batch, 0);  // chosen per device
  // No model anywhere: validate says how to give one.
  try {
    validate(c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--model"), std::string::npos);
  }
}

TEST(LoadConfig, UnknownKeyNamesFileAndKey) {
  TempDir dir;
  write_text(dir / "c.yaml", "dataset: {adapter: folder}\nrun: {thread: 2}\n");
  std::string error = error_of(dir / "c.yaml");
  EXPECT_NE(error.find((dir / "c.yaml").string()), std::string::npos);
  EXPECT_NE(error.find("'thread'"), std::string::npos);
}

TEST(LoadConfig, EmptyFileIsAnError) {
  TempDir dir;
  write_text(dir / "empty.yaml", "");
  EXPECT_NE(error_of(dir / "empty.yaml").find("config is empty"), std::string::npos);
}

TEST(LoadConfig, InvalidYamlGivesTheLine) {
  TempDir dir;
  write_text(dir / "bad.yaml", "dataset:\n  adapter: folder\n  classes: {1: a\n");
  std::string error = error_of(dir / "bad.yaml");
  EXPECT_NE(error.find("invalid YAML"), std::string::npos);
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(LoadConfig, WrongTypeIsAnError) {
  TempDir dir;
  write_text(dir / "c.yaml", "dataset: {adapter: folder}\nrun: {threads: many}\n");
  EXPECT_NE(error_of(dir / "c.yaml").find("run.threads"), std::string::npos);
}

TEST(LoadConfig, MissingDatasetAndMissingFile) {
  TempDir dir;
  write_text(dir / "c.yaml", "name: x\n");
  EXPECT_NE(error_of(dir / "c.yaml").find("missing 'dataset'"), std::string::npos);
  EXPECT_NE(error_of(dir / "nope.yaml").find("not found"), std::string::npos);
}

TEST(Validate, RejectsOutOfRangeValues) {
  Config c = valid_config();
  EXPECT_NO_THROW(validate(c));
  Config bad = c;
  bad.run.decode_batch = -1;
  EXPECT_THROW(validate(bad), Error);
  bad = c;
  bad.run.encode_batch = -1;
  EXPECT_NE(testing::error_of([&] { validate(bad); }).find("'run.encode_batch' must be from 0 to 256"), std::string::npos);
  bad = c;
  bad.instances.min_area = 0;
  EXPECT_THROW(validate(bad), Error);
}

TEST(LoadConfig, ModelPrecisionIsReadRecordedAndChecked) {
  TempDir dir;
  write_text(dir / "c.yaml", "dataset: {adapter: folder}\nmodel: {path: m.pt, precision: bf16}\n");
  Config c = load_config(dir / "c.yaml");
  EXPECT_EQ(c.model.precision, "bf16");
  EXPECT_NO_THROW(validate(c));
  const nlohmann::json recorded = to_json(c);
  EXPECT_EQ(recorded["model"]["precision"], "bf16");
  EXPECT_EQ(config_from_json(recorded, c.file).model.precision, "bf16");
  nlohmann::json older = recorded;  // a run recorded before the key existed ran in fp32
  older["model"].erase("precision");
  EXPECT_EQ(config_from_json(older, c.file).model.precision, "fp32");
  EXPECT_EQ(valid_config().model.precision, "fp32");

  write_text(dir / "bad.yaml", "dataset: {adapter: folder}\nmodel: {path: m.pt, precision: fp64}\n");
  try {
    validate(load_config(dir / "bad.yaml"));
    FAIL();
  } catch (const Error& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find((dir / "bad.yaml").string()), std::string::npos) << error;
    EXPECT_NE(error.find("'model.precision' must be one of fp32, bf16, fp16, not 'fp64'"), std::string::npos) << error;
  }
}

TEST(ToJson, RecordsResolvedValues) {
  Config c;
  c.name = "n";
  c.run.threads = 2;
  nlohmann::json j = to_json(c);
  EXPECT_EQ(j["run"]["threads"], 2);
  EXPECT_EQ(j["mask_policy"], "best_score");
}

TEST(LoadConfig, MetricsAndBaselines) {
  TempDir dir;
  write_text(dir / "c.yaml", R"(
dataset: {adapter: folder}
metrics: {surface: false, nsd_tolerance_mm: 1.5, bootstrap: 200, bootstrap_seed: 9}
baselines:
  - {source: "Table 2", metric: dice, values: {disk: 0.5}}
)");
  Config c = load_config(dir / "c.yaml");
  EXPECT_FALSE(c.metrics.surface);
  EXPECT_DOUBLE_EQ(c.metrics.nsd_tolerance_mm, 1.5);
  EXPECT_EQ(c.metrics.bootstrap, 200);
  EXPECT_EQ(c.metrics.bootstrap_seed, 9);
  ASSERT_EQ(c.baselines.size(), 1u);
  // Recorded and read back (report and rescore rebuild the config from summary.json).
  Config back = config_from_json(to_json(c), c.file);
  EXPECT_EQ(back.metrics.bootstrap, 200);
  EXPECT_DOUBLE_EQ(back.metrics.nsd_tolerance_mm, 1.5);
  EXPECT_EQ(back.baselines, c.baselines);

  write_text(dir / "d.yaml", "dataset: {adapter: folder}\n");
  Config defaults = load_config(dir / "d.yaml");
  EXPECT_TRUE(defaults.metrics.surface);
  EXPECT_DOUBLE_EQ(defaults.metrics.nsd_tolerance_mm, 2.0);
  EXPECT_EQ(defaults.metrics.bootstrap, 1000);
  EXPECT_TRUE(defaults.baselines.is_array());

  write_text(dir / "bad.yaml", "dataset: {adapter: folder}\nmetrics: {tolerance: 1}\n");
  EXPECT_NE(error_of(dir / "bad.yaml").find("unknown key 'tolerance'"), std::string::npos);
}

TEST(Validate, RejectsBadMetrics) {
  Config c = valid_config();
  Config bad = c;
  bad.metrics.nsd_tolerance_mm = 0;
  EXPECT_THROW(validate(bad), Error);
  bad = c;
  bad.metrics.bootstrap = -1;
  EXPECT_THROW(validate(bad), Error);
}

TEST(LoadConfig, PromptModesAndPoliciesAreParsedOnce) {
  TempDir dir;
  write_text(dir / "c.yaml", R"(
dataset: {adapter: folder}
prompt: [centroid, {mode: iterative, start: {mode: box, margin: 5}}, {mode: iterative, rounds: 3},
         {mode: everything, points_per_side: 4}]
mask_policy: [best_score, single]
)");
  Config c = load_config(dir / "c.yaml");
  ASSERT_EQ(c.prompt.modes.size(), 4u);
  EXPECT_TRUE(c.prompt.listed);
  EXPECT_EQ(c.prompt.modes[0].rule, "centroid");
  EXPECT_EQ(c.prompt.modes[0].rounds, 0);
  EXPECT_EQ(c.prompt.modes[1].rule, nlohmann::json::parse(R"({"mode": "box", "margin": 5})"));
  EXPECT_EQ(c.prompt.modes[1].rounds, 5);  // the default when `rounds` is left out
  EXPECT_FALSE(c.prompt.modes[1].written.contains("rounds"));
  EXPECT_EQ(c.prompt.modes[2].rule, "centroid");  // the default start
  EXPECT_EQ(c.prompt.modes[2].rounds, 3);
  EXPECT_TRUE(c.prompt.modes[3].everything);
  EXPECT_EQ(c.prompt.modes[3].rule["points_per_side"], 4);
  EXPECT_EQ(c.mask_policy.names, (std::vector<std::string>{"best_score", "single"}));
  EXPECT_TRUE(c.mask_policy.listed);
}

TEST(LoadConfig, StructureErrorsNameTheFileAndTheReason) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"prompt: []", "the list of prompt modes is empty"},
      {"mask_policy: []", "the list of policies is empty"},
      {"mask_policy: [single, best_score, single]", "'single' is listed twice"},
      {"mask_policy: [single, {name: oracle}]", "expected a policy name"},
      {"prompt: {mode: iterative, rounds: 0}", "'rounds' must be an integer in 1..100"},
      {"prompt: {mode: iterative, rounds: 101}", "'rounds' must be an integer in 1..100"},
      {"prompt: {mode: iterative, rounds: '3'}", "'rounds' must be an integer in 1..100"},
      {"prompt: [centroid, {mode: iterative, round: 3}]", "unknown key 'round'"},
      {"prompt: {mode: iterative, start: everything}", "'start' must be a plain mode"},
      {"prompt: {mode: iterative, start: {mode: iterative}}", "'start' must be a plain mode"},
      {"baselines: {source: s}", "baselines: expected a list"},
  };
  for (const auto& [line, reason] : cases) {
    write_text(dir / "c.yaml", "dataset: {adapter: folder}\n" + line + "\n");
    const std::string error = error_of(dir / "c.yaml");
    EXPECT_NE(error.find((dir / "c.yaml").string() + ": "), std::string::npos) << line << ": " << error;
    EXPECT_NE(error.find(reason), std::string::npos) << line << ": " << error;
  }
}

// summary.json and run_state.json record the config as written (config_sha256 hashes it), and
// rescore, merge and resume read it back: the round trip must not change a byte.
TEST(ToJson, RoundTripKeepsTheConfigAsWritten) {
  TempDir dir;
  const std::vector<std::string> prompts = {
      "prompt: [centroid]\nmask_policy: [single]",
      "prompt: centroid",
      "prompt: {mode: iterative, start: {mode: box, margin: 5}}",
      "prompt: [interior, {mode: iterative, rounds: 2}, {mode: everything, points_per_side: 8}]",
      "",  // the defaults
  };
  for (const auto& text : prompts) {
    write_text(dir / "c.yaml", "dataset: {adapter: folder}\nmodel: {path: m.pt}\n" + text + "\n");
    const Config c = load_config(dir / "c.yaml");
    const nlohmann::json recorded = to_json(c);
    EXPECT_EQ(to_json(config_from_json(recorded, c.file)).dump(), recorded.dump()) << text;
  }
  write_text(dir / "c.yaml", "dataset: {adapter: folder}\nprompt: [centroid]\nmask_policy: [single]\n");
  EXPECT_EQ(to_json(load_config(dir / "c.yaml"))["prompt"], nlohmann::json::array({"centroid"}));
  EXPECT_EQ(to_json(load_config(dir / "c.yaml"))["mask_policy"], nlohmann::json::array({"single"}));
  write_text(dir / "c.yaml", "dataset: {adapter: folder}\nprompt: {mode: iterative}\n");
  EXPECT_EQ(to_json(load_config(dir / "c.yaml"))["prompt"], nlohmann::json::parse(R"({"mode": "iterative"})"));
}

TEST(Validate, RejectsModesThatCannotRunTogether) {
  Config c = valid_config();
  c.prompt = parse_prompt_modes({{"mode", "iterative"}, {"rounds", 2}});
  EXPECT_NO_THROW(validate(c));
  Config bad = c;
  bad.mask_policy = parse_mask_policy_names(nlohmann::json::array({"best_score", "single"}));
  EXPECT_THROW(validate(bad), Error);
  bad = c;
  bad.replay_prompts = "prompts.jsonl";
  EXPECT_THROW(validate(bad), Error);
  bad = c;
  bad.run.save_predictions = true;
  EXPECT_THROW(validate(bad), Error);
  bad = valid_config();
  bad.prompt = parse_prompt_modes(nlohmann::json::array({"centroid", "interior"}));
  bad.run.save_predictions = true;
  EXPECT_THROW(validate(bad), Error);
}

// Security finding 3: a config from elsewhere can aim run.output anywhere; outside both its own
// folder and the current folder, the run says where it writes (the folder rules limit what it
// may delete there). The shipped configs' "../runs/x" from the checkout's root says nothing.
TEST(OutputOutsideNotice, NamesTheResolvedFolderWhenTheConfigAimsElsewhere) {
  TempDir dir;
  const std::string head = "dataset: {adapter: folder, root: data}\nmodel: {path: m.pt}\n";
  write_text(dir / "shared/configs/c.yaml", head + "run: {output: ../../../escaped}\n");
  Config config = load_config(dir / "shared/configs/c.yaml");
  const fs::path escaped = (dir.path().parent_path() / "escaped").lexically_normal();
  EXPECT_EQ(output_outside_notice(config, dir / "work"),
            "run.output of " + (dir / "shared/configs/c.yaml").string() + " is " + escaped.string() +
                ", outside the config's folder and the current folder: the run writes there");
  // The same folder is no news when the user works there.
  EXPECT_EQ(output_outside_notice(config, dir.path().parent_path()), "");

  write_text(dir / "shared/configs/abs.yaml", head + "run: {output: /var/tmp/elsewhere}\n");
  config = load_config(dir / "shared/configs/abs.yaml");
  EXPECT_NE(output_outside_notice(config, dir / "work").find("is /var/tmp/elsewhere, outside"), std::string::npos);

  write_text(dir / "repo/configs/demo.yaml", head + "run: {output: ../runs/demo}\n");
  config = load_config(dir / "repo/configs/demo.yaml");
  EXPECT_EQ(output_outside_notice(config, dir / "repo"), "");
  write_text(dir / "repo/configs/inside.yaml", head + "run: {output: runs/x}\n");
  EXPECT_EQ(output_outside_notice(load_config(dir / "repo/configs/inside.yaml"), dir / "work"), "");
}

// A models list: each model evaluates every dataset into its own folder, in list order, with its
// own prompt where it carries one.
TEST(LoadConfig, ModelsListExpandsToOneRunPerModelAndDataset) {
  TempDir dir;
  write_text(dir / "configs" / "zoo.yaml", R"(
name: zoo
datasets:
  kvasir: {dataset: {adapter: kvasir, root: ../k}}
  isic: {dataset: {adapter: isic, root: ../i}, prompt: interior}
model: {device: cpu}
models:
  - {name: sam_b, path: ../models/b.pt}
  - {name: medsam, path: ../models/medsam.pt, prompt: {mode: box, margin: 5}, precision: bf16}
prompt: centroid
run: {output: ../runs/zoo}
)");
  Config c = load_config(dir / "configs" / "zoo.yaml");
  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_EQ(c.models[1].model.path, dir.path() / "models" / "medsam.pt");
  EXPECT_EQ(c.models[0].model.device, "cpu");  // from the model: section
  EXPECT_EQ(c.models[1].model.precision, "bf16");
  std::vector<Config> runs = expand_suite(c);
  ASSERT_EQ(runs.size(), 4u);
  // The suite's datasets in name order, per model in list order.
  EXPECT_EQ(runs[0].run.output, dir.path() / "runs" / "zoo" / "sam_b" / "isic");
  EXPECT_EQ(runs[1].run.output, dir.path() / "runs" / "zoo" / "sam_b" / "kvasir");
  EXPECT_EQ(runs[2].run.output, dir.path() / "runs" / "zoo" / "medsam" / "isic");
  EXPECT_EQ(runs[2].name, "zoo/medsam/isic");
  EXPECT_EQ(runs[2].model_name, "medsam");
  EXPECT_EQ(runs[0].model.path, dir.path() / "models" / "b.pt");
  EXPECT_EQ(runs[3].model.path, dir.path() / "models" / "medsam.pt");
  EXPECT_EQ(runs[0].prompt.as_written(), "interior");   // the entry's, for a model without its own
  EXPECT_EQ(runs[1].prompt.as_written(), "centroid");   // the config's
  EXPECT_EQ(runs[2].prompt.as_written()["mode"], "box");  // the model's wins over the entry's
  EXPECT_EQ(runs[3].prompt.as_written()["mode"], "box");
  for (const Config& run : runs) {
    EXPECT_TRUE(run.models.empty());
    EXPECT_NO_THROW(validate(run));
  }
}

// Without a suite each model's run is <output>/<model>; a one-model config expands to itself.
TEST(LoadConfig, ModelsListWithoutSuiteAndTheSingleModelForm) {
  TempDir dir;
  write_text(dir / "m.yaml", "dataset: {adapter: folder}\nmodels: [{name: a, path: a.pt}, {name: b, path: b.pt}]\n"
                             "run: {output: out}\n");
  std::vector<Config> runs = expand_suite(load_config(dir / "m.yaml"));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].run.output, dir.path() / "out" / "b");
  EXPECT_EQ(runs[1].name, "m/b");
  write_text(dir / "one.yaml", "dataset: {adapter: folder}\nmodel: {path: a.pt}\nrun: {output: out}\n");
  runs = expand_suite(load_config(dir / "one.yaml"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run.output, dir.path() / "out");
  EXPECT_EQ(runs[0].name, "one");
  EXPECT_TRUE(runs[0].model_name.empty());
}

TEST(LoadConfig, BadModelsListsAreRefusedWithTheReason) {
  TempDir dir;
  auto error_with = [&](const std::string& models, const std::string& extra = "") {
    write_text(dir / "bad.yaml", "dataset: {adapter: folder}\n" + extra + "models: " + models + "\n");
    return error_of(dir / "bad.yaml");
  };
  EXPECT_TRUE(testing::contains(error_with("[{name: a, path: a.pt}]", "model: {path: m.pt}\n"),
                                "both 'model.path' and 'models'"));
  EXPECT_TRUE(testing::contains(error_with("[]"), "'models' must be a list"));
  EXPECT_TRUE(testing::contains(error_with("{a: {path: a.pt}}"), "'models' must be a list"));
  EXPECT_TRUE(testing::contains(error_with("[{name: a, path: a.pt}, {name: a, path: b.pt}]"), "repeats the name 'a'"));
  EXPECT_TRUE(testing::contains(error_with("[{name: ../x, path: a.pt}]"), "plain folder name"));
  EXPECT_TRUE(testing::contains(error_with("[{path: a.pt}]"), "needs a 'name'"));
  EXPECT_TRUE(testing::contains(error_with("[{name: a}]"), "needs a 'path'"));
  EXPECT_TRUE(testing::contains(error_with("[{name: a, path: a.pt, weights: x}]"), "unknown key 'weights'"));
  EXPECT_TRUE(testing::contains(error_with("[{name: a, path: a.pt, prompt: []}]"), "models[0]"));
  EXPECT_TRUE(testing::contains(error_with("[a.pt]"), "models[0]"));
  write_text(dir / "clash.yaml", "datasets: {k: {dataset: {adapter: folder}}}\nmodels: [{name: k, path: a.pt}]\n");
  EXPECT_TRUE(testing::contains(error_of(dir / "clash.yaml"), "names both a model and a dataset"));
  EXPECT_TRUE(testing::contains(error_of(dir / "clash.yaml"), "clash.yaml"));
}

}  // namespace
}  // namespace sambench
