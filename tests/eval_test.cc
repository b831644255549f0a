#include "sambench/run/eval.h"

#include <sstream>

#include <algorithm>
#include <map>
#include <numeric>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/base/error.h"
#include "sambench/base/hash.h"
#include "sambench/data/image_io.h"
#include "sambench/data/instances.h"
#include "sambench/report/predictions.h"
#include "sambench/report/csv.h"
#include "sambench/report/tables.h"
#include "sambench/data/volume_io.h"
#include "sambench/model/model_profile.h"

namespace sambench {
namespace {

// A second run into the same folder replaces the first only when told to (--overwrite).
const EvalOptions kReplace = [] {
  EvalOptions o;
  o.overwrite = true;
  return o;
}();

namespace fs = std::filesystem;
using nlohmann::json;

size_t csv_rows(const fs::path& file) {
  std::string text = read_file(file);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) - 1;  // minus header
}

class EvalTest : public ::testing::Test {
 protected:
  void SetUp() override { make_demo_dataset(dir_ / "data", {3, 0}); }

  Config config() const { return testing::demo_config(dir_.path(), "eval_test"); }

  // Instances the harness should find, counted independently of the eval loop.
  size_t expected_instances(const Config& c) const {
    size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir_ / "data/masks")) {
      n += find_instances(read_label_map(entry.path()),
                          {{1, "disk"}, {2, "box"}, {3, "crescent"}}, c.instances).size();
    }
    return n;
  }

  testing::TempDir dir_;
};

// The model's profile is recorded; a config that overrides a field runs through the changed
// pipeline, says so, and records the model's and the run's value.
TEST_F(EvalTest, RecordsTheProfileAndTheConfigsOverrides) {
  Config c = config();
  run_eval(c);
  const json plain = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(plain["model"]["profile"], to_json(sam_profile()));
  EXPECT_FALSE(plain["model"].contains("profile_overrides"));
  EXPECT_FALSE(plain["config"]["model"].contains("profile"));

  c.model.profile = {{"upscale", "direct"}, {"mask_output", "multimask"}};
  c.run.output = dir_ / "overridden";
  run_eval(c);
  const json summary = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(summary["model"]["profile"]["upscale"], "direct");
  EXPECT_EQ(summary["model"]["profile_overrides"],
            json({{"upscale", {{"model", "via_input"}, {"run", "direct"}}}}));  // mask_output did not change
  EXPECT_EQ(summary["config"]["model"]["profile"], c.model.profile);
  EXPECT_TRUE(testing::contains(summary["conventions"]["postprocess"].get<std::string>(), "straight to the original size"));
  // Another upscale rule: other masks from the same logits.
  EXPECT_NE(read_file(c.run.output / "per_instance.csv"), read_file(plain["config"]["run"]["output"].get<std::string>() + "/per_instance.csv"));

  c.model.profile = {{"resize", "stretch"}};
  c.run.output = dir_ / "refused";
  EXPECT_TRUE(testing::contains(testing::error_of([&] { run_eval(c); }),
                                "profile field 'resize' must be one of 'longest_side', 'square'"));
  c.model.profile = {{"value_range", 1}};  // SAM 2.1's scaling without its float resize
  EXPECT_TRUE(testing::contains(testing::error_of([&] { run_eval(c); }),
                                "value_range 1 is supported only with resize_filter \"torch_bilinear_aa\""));
}

// A config without mask_policy keeps the output the model's own pipeline keeps.
TEST_F(EvalTest, AnUnwrittenMaskPolicyFollowsTheProfile) {
  Config c = config();
  c.mask_policy.written = false;
  c.model.profile = {{"mask_output", "single"}};
  run_eval(c);
  const json summary = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(summary["config"]["mask_policy"], "single");
  c.mask_policy.written = true;  // best_score, as written
  c.run.output = dir_ / "written";
  run_eval(c);
  EXPECT_EQ(json::parse(read_file(c.run.output / "summary.json"))["config"]["mask_policy"], "best_score");
}

TEST_F(EvalTest, WritesEveryFileWithOneRowPerInstance) {
  Config c = config();
  EvalResult result = run_eval(c);
  const fs::path run = c.run.output;
  size_t instances = expected_instances(c);
  ASSERT_GT(instances, 6u);
  EXPECT_EQ(result.images, 3);
  EXPECT_EQ(result.instances, static_cast<long long>(instances));
  EXPECT_EQ(csv_rows(run / "per_instance.csv"), instances);
  EXPECT_EQ(csv_rows(run / "per_class.csv"), 3u + 2u);  // classes, then the two overall rows
  EXPECT_EQ(csv_rows(run / "per_class_image.csv"), 3u + 2u);
  EXPECT_FALSE(fs::exists(run / "per_case.csv"));  // 2D data: a case is an image
  EXPECT_FALSE(fs::exists(run / "per_group.csv"));   // the folder adapter defines no groups
  // One image row per class present in each image: every demo image holds all three classes.
  EXPECT_EQ(csv_rows(run / "per_image.csv"), 3u * 3u);
  EXPECT_FALSE(fs::exists(run / "per_instance.partial.csv"));

  json summary = json::parse(read_file(run / "summary.json"));
  EXPECT_EQ(summary["status"], "complete");
  EXPECT_EQ(summary["counts"]["instances"], instances);
  EXPECT_EQ(summary["model"]["sha256"], sha256_file(testing::small_model()));
  EXPECT_EQ(summary["model"]["metadata"]["model_type"], "small");
  for (const char* key : {"prompts", "mask_policies", "empty_rule", "instances", "preprocess", "postprocess"}) {
    EXPECT_TRUE(summary["conventions"].contains(key)) << key;
  }
  EXPECT_EQ(summary["config"]["prompt"], "centroid");
  EXPECT_EQ(summary["prompts"][0]["name"], "centroid");
  ASSERT_EQ(summary["prompts"].size(), 1u);
  const json& levels = summary["prompts"][0]["levels"];
  const json& classes = levels["instance"]["classes"];
  EXPECT_EQ(classes.size(), 3u);
  EXPECT_EQ(levels["image"]["rows"], "images");
  EXPECT_FALSE(levels.contains("case"));
  EXPECT_EQ(csv_rows(run / "prompts.jsonl") + 1, instances);  // one line per prompt, no header
  EXPECT_FALSE(summary.contains("wall_s"));  // times live in timings.json only

  json timings = json::parse(read_file(run / "timings.json"));
  for (const char* stage : {"read", "preprocess", "encode", "prompt", "decode", "upscale", "metrics"}) {
    EXPECT_GT(timings["stages"][stage]["total_s"].get<double>(), 0.0) << stage;
  }
  // Every crescent's centroid lies in its opening; the report must say so.
  EXPECT_EQ(classes[2]["centroid_outside"], classes[2]["count"]);
}

// Dice and IoU recomputed here, pixel by pixel, from each saved prediction and the instance's
// ground truth, against per_instance.csv; summary.json's class means against those rows.
TEST_F(EvalTest, DiceAndIouAreThoseOfTheSavedMasksAgainstTheTruth) {
  Config c = config();
  c.run.save_predictions = true;
  run_eval(c);
  const fs::path run = c.run.output;
  const std::vector<ClassInfo> classes = {{1, "disk"}, {2, "box"}, {3, "crescent"}};

  const CsvTable rows = CsvTable::read(run / "per_instance.csv");
  ASSERT_EQ(rows.rows(), expected_instances(c));
  std::map<int, std::vector<double>> dice_of_class;
  for (size_t r = 0; r < rows.rows(); ++r) {
    SCOPED_TRACE(rows.at(r, "mask_file"));
    const int label = std::stoi(rows.at(r, "class_label"));
    const cv::Mat labels = read_label_map(dir_ / "data/masks" / (rows.at(r, "image") + ".png"));
    const std::vector<Instance> truths = find_instances(labels, classes, c.instances);
    auto truth = std::find_if(truths.begin(), truths.end(), [&](const Instance& t) {
      return t.class_label == label && t.index == std::stoi(rows.at(r, "instance"));
    });
    ASSERT_NE(truth, truths.end());
    const cv::Mat prediction = read_mask_png(run / rows.at(r, "mask_file"));
    ASSERT_EQ(prediction.size(), labels.size());
    const cv::Mat truth_mask = full_mask(*truth, labels.size());
    const double p = cv::countNonZero(prediction), g = cv::countNonZero(truth_mask);
    const double both = cv::countNonZero(prediction & truth_mask);
    const double d = std::stod(rows.at(r, "dice"));
    const double iou = std::stod(rows.at(r, "iou"));
    EXPECT_NEAR(d, 2 * both / (p + g), 1e-6);  // the CSV keeps 6 decimals
    EXPECT_NEAR(iou, both / (p + g - both), 1e-6);
    EXPECT_NEAR(iou, d / (2 - d), 2e-6);
    dice_of_class[label].push_back(d);
  }
  // A random-weight model still overlaps some objects: the check above saw more than zeros.
  double all = 0;
  for (const auto& [cls, values] : dice_of_class) all += std::accumulate(values.begin(), values.end(), 0.0);
  EXPECT_GT(all, 0.0);

  json summary = json::parse(read_file(run / "summary.json"));
  const json& summary_classes = summary["prompts"][0]["levels"]["instance"]["classes"];
  ASSERT_EQ(summary_classes.size(), dice_of_class.size());
  for (const auto& cls : summary_classes) {
    const std::vector<double>& values = dice_of_class[cls["label"].get<int>()];
    ASSERT_FALSE(values.empty()) << cls;
    const double mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    EXPECT_NEAR(cls["dice"]["mean"].get<double>(), mean, 1e-6) << cls;
  }
}

// An eval keeps no state in the process: the second one writes the first one's bytes and returns
// its summaries.
TEST_F(EvalTest, TwoEvalsInOneProcessGiveIdenticalTables) {
  Config c = config();
  auto summaries = [](const EvalResult& r) {
    json out = json::array();
    for (const auto& [set, levels] : r.modes) {
      for (const auto& level : levels) out.push_back({set, level_json(level)});
    }
    return out.dump();
  };
  const char* files[] = {"per_instance.csv", "per_image.csv", "per_class.csv", "per_class_image.csv",
                         "prompts.jsonl", "summary.json", "journal.jsonl"};
  const EvalResult first = run_eval(c);
  std::map<std::string, std::string> written;
  for (const char* f : files) written[f] = read_file(c.run.output / f);
  const EvalResult second = run_eval(c, kReplace);
  for (const auto& [name, text] : written) EXPECT_EQ(read_file(c.run.output / name), text) << name;
  EXPECT_EQ(summaries(second), summaries(first));
  EXPECT_EQ(second.instances, first.instances);
  EXPECT_EQ(second.timings["encodes_reused"], first.timings["encodes_reused"]);
  EXPECT_EQ(second.timings["images"], 3);
}

TEST_F(EvalTest, Bf16EncoderRunsEndToEndAndIsRecorded) {
  Config fp32 = config();
  fp32.run.embedding_cache = dir_ / "cache";
  fp32.run.limit = 2;
  run_eval(fp32);
  Config bf16 = fp32;
  bf16.model.precision = "bf16";
  bf16.run.output = dir_ / "run_bf16";
  EXPECT_EQ(run_eval(bf16).images, 2);
  EXPECT_EQ(csv_rows(bf16.run.output / "per_instance.csv"), csv_rows(fp32.run.output / "per_instance.csv"));

  const json summary = json::parse(read_file(bf16.run.output / "summary.json"));
  EXPECT_EQ(summary["config"]["model"]["precision"], "bf16");
  EXPECT_EQ(summary["model"]["precision"], "bf16");
  const std::string convention = summary["conventions"]["encoder_precision"];
  EXPECT_EQ(convention.rfind("bf16: ", 0), 0u) << convention;
  EXPECT_TRUE(testing::contains(convention, "layer norms in float32")) << convention;
  EXPECT_EQ(json::parse(read_file(fp32.run.output / "summary.json"))["model"]["precision"], "fp32");
  // The fp32 run filled the cache; its embeddings are not bf16's.
  const json cache = json::parse(read_file(bf16.run.output / "timings.json"))["embedding_cache"];
  EXPECT_EQ(cache["hits"], 0);
  EXPECT_EQ(cache["stores"], 2);
}

TEST_F(EvalTest, CorruptImageFailsNamingItAndKeepsEarlierResults) {
  testing::write_text(dir_ / "data/images/demo_001.png", "\x89PNG\r\n\x1a\n truncated");
  Config c = config();
  try {
    run_eval(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("demo_001.png: cannot decode image"), std::string::npos) << e.what();
  }
  json summary = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(summary["status"], "failed");
  EXPECT_NE(summary["error"].get<std::string>().find("demo_001.png"), std::string::npos);
  EXPECT_EQ(summary["counts"]["images_done"], 1);
  EXPECT_FALSE(fs::exists(c.run.output / "per_instance.csv"));
  std::string partial = read_file(c.run.output / "per_instance.partial.csv");
  EXPECT_NE(partial.find("\ndemo_000,"), std::string::npos);
  EXPECT_EQ(partial.find("demo_001"), std::string::npos);
}

TEST_F(EvalTest, ImagesWithoutInstancesAreCountedAndSkipped) {
  cv::Mat image = read_rgb(dir_ / "data/images/demo_002.jpg");
  cv::imwrite((dir_ / "data/masks/demo_002.png").string(), cv::Mat::zeros(image.size(), CV_8U));
  Config c = config();
  run_eval(c);
  json summary = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(summary["counts"]["images_without_instances"], 1);
  EXPECT_EQ(read_file(c.run.output / "per_instance.csv").find("demo_002"), std::string::npos);
}

TEST_F(EvalTest, LimitTakesTheFirstSamples) {
  Config c = config();
  c.run.limit = 1;
  EvalResult result = run_eval(c);
  EXPECT_EQ(result.images, 1);
  std::string csv = read_file(c.run.output / "per_instance.csv");
  EXPECT_EQ(csv.find("demo_001"), std::string::npos);
  EXPECT_NE(csv.find("demo_000"), std::string::npos);
}

TEST_F(EvalTest, SmallerDecodeBatchesGiveTheSameScores) {
  Config c = config();
  c.run.decode_batch = 16;
  run_eval(c);
  std::string batched = read_file(c.run.output / "per_instance.csv");
  c.run.decode_batch = 1;
  run_eval(c, kReplace);
  std::string single = read_file(c.run.output / "per_instance.csv");
  // Batching is a speed choice and must not change the numbers at the printed precision.
  EXPECT_EQ(single, batched);
}

TEST_F(EvalTest, SavedPredictionsAreListedAndRescoreReproducesTheTables) {
  Config c = config();
  c.run.save_predictions = true;
  c.run.save_logits = true;
  EvalResult result = run_eval(c);
  const fs::path run = c.run.output;

  json summary = json::parse(read_file(run / "summary.json"));
  const json& files = summary["predictions"];
  // Per instance a mask and its logits, per image a label map.
  EXPECT_EQ(files.size(), 2u * static_cast<size_t>(result.instances) + 3u);
  for (const auto& f : files) EXPECT_TRUE(fs::exists(run / f.get<std::string>())) << f;
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));

  // Every row points at its mask, and the mask is the one that was scored.
  CsvTable rows = CsvTable::read(run / "per_instance.csv");
  ASSERT_EQ(rows.header().back(), "mask_file");
  ASSERT_EQ(rows.rows(), static_cast<size_t>(result.instances));
  for (size_t r = 0; r < rows.rows(); ++r) {
    cv::Mat mask = read_mask_png(run / rows.at(r, "mask_file"));
    EXPECT_EQ(std::to_string(cv::countNonZero(mask)), rows.at(r, "pred_area")) << rows.at(r, "mask_file");
  }

  RescoreResult rescored = run_rescore(run, dir_ / "rescore");
  EXPECT_EQ(rescored.instances, result.instances);
  EXPECT_TRUE(rescored.differing.empty());
  EXPECT_EQ(rescored.identical.size(), 4u);  // per_instance, per_image, per_class, per_class_image
  EXPECT_EQ(read_file(dir_ / "rescore/per_instance.csv"), read_file(run / "per_instance.csv"));

  // An edited mask is noticed.
  cv::Mat edited = read_mask_png(run / rows.at(0, "mask_file"));
  edited.setTo(1);
  write_mask_png(run / rows.at(0, "mask_file"), edited);
  RescoreResult changed = run_rescore(run, dir_ / "rescore2");
  EXPECT_FALSE(changed.differing.empty());
}

TEST_F(EvalTest, RescoreNeedsSavedPredictions) {
  Config c = config();
  c.run.limit = 1;
  run_eval(c);
  try {
    run_rescore(c.run.output, dir_ / "rescore");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("saved no predictions"), std::string::npos) << e.what();
  }
}

TEST_F(EvalTest, PromptModesSideBySideAndReplayedExactly) {
  Config c = config();
  c.prompt = parse_prompt_modes(json::array({"centroid", {{"mode", "box"}, {"margin", 5}}, {{"mode", "points"}, {"k", 2}}}));
  c.prompt_seed = 7;
  EvalResult result = run_eval(c);
  ASSERT_EQ(result.modes.size(), 3u);
  EXPECT_EQ(result.modes[1].first, "box(margin=5px,jitter=0)");
  const fs::path run = c.run.output;
  // Every table holds each mode's block; prompts.jsonl each instance once per mode.
  CsvTable per_class = CsvTable::read(run / "per_class.csv");
  ASSERT_EQ(per_class.rows(), 3u * (3u + 2u));
  EXPECT_EQ(per_class.header().front(), "prompt");  // the block's key leads
  EXPECT_EQ(per_class.at(0, "prompt"), "centroid");
  EXPECT_EQ(per_class.at(5, "prompt"), "box(margin=5px,jitter=0)");
  EXPECT_EQ(csv_rows(run / "per_instance.csv"), 3u * static_cast<size_t>(result.instances));
  EXPECT_EQ(csv_rows(run / "prompts.jsonl") + 1, 3u * static_cast<size_t>(result.instances));
  json summary = json::parse(read_file(run / "summary.json"));
  EXPECT_EQ(summary["prompts"].size(), 3u);
  EXPECT_NE(summary["prompts"][1]["description"].get<std::string>().find("widened by 5 px"), std::string::npos);

  // Replaying the prompts file (as another model would) gives the same rows.
  testing::write_text(dir_ / "prompts.jsonl", read_file(run / "prompts.jsonl"));
  std::string first = read_file(run / "per_instance.csv");
  Config replay = c;
  replay.prompt_seed = 99;  // ignored: the prompts come from the file
  replay.replay_prompts = dir_ / "prompts.jsonl";
  run_eval(replay, kReplace);
  EXPECT_EQ(read_file(run / "per_instance.csv"), first);
  EXPECT_EQ(read_file(run / "prompts.jsonl"), read_file(dir_ / "prompts.jsonl"));

  // A replay file that lacks a mode is an error naming it.
  replay.prompt = parse_prompt_modes(json::array({"centroid", "interior"}));
  EXPECT_NE(testing::error_of([&] { run_eval(replay, kReplace); }).find("mode interior"), std::string::npos);
}

TEST_F(EvalTest, IterativeClicksReportEveryRound) {
  Config c = config();
  c.run.limit = 2;
  run_eval(c);
  CsvTable plain = CsvTable::read(c.run.output / "per_instance.csv");
  c.prompt = parse_prompt_modes({{"mode", "iterative"}, {"rounds", 3}});
  EvalResult result = run_eval(c, kReplace);
  ASSERT_EQ(result.modes.size(), 3u);
  EXPECT_EQ(result.modes[0].first, "iterative(centroid,rounds=3)@1");
  EXPECT_EQ(result.modes[2].first, "iterative(centroid,rounds=3)@3");

  // Round 1 is the plain start prompt: the same rows but for the prompt column.
  CsvTable rows = CsvTable::read(c.run.output / "per_instance.csv");
  ASSERT_EQ(rows.rows(), 3 * plain.rows());
  ASSERT_EQ(rows.header(), plain.header());
  std::vector<size_t> first_round;
  for (size_t r = 0; r < rows.rows(); ++r) {
    if (rows.at(r, "prompt").back() == '1') first_round.push_back(r);
  }
  ASSERT_EQ(first_round.size(), plain.rows());
  for (size_t r = 0; r < plain.rows(); ++r) {
    for (const auto& column : plain.header()) {
      if (column != "prompt") EXPECT_EQ(rows.at(first_round[r], column), plain.at(r, column)) << r << " " << column;
    }
  }
  // Later rounds add one click per round to every imperfect mask.
  size_t two_points = 0, three_points = 0;
  std::istringstream lines(read_file(c.run.output / "prompts.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    json p = json::parse(line);
    const std::string mode = p["mode"];
    size_t n = p["points"].size();
    if (mode.back() == '1') EXPECT_EQ(n, 1u);
    if (mode.back() == '2') two_points += n == 2;
    if (mode.back() == '3') three_points += n == 3;
    for (const auto& label : p["labels"]) EXPECT_TRUE(label == 0 || label == 1);
  }
  EXPECT_EQ(two_points, plain.rows());  // random weights: no mask is exact
  EXPECT_EQ(three_points, plain.rows());
  // Replay cannot reproduce clicks that follow SAM's masks.
  c.replay_prompts = c.run.output / "prompts.jsonl";
  EXPECT_NE(testing::error_of([&] { run_eval(c); }).find("cannot replay the iterative mode"), std::string::npos);
}

TEST_F(EvalTest, EverythingModeMatchesGeneratedMasksToInstances) {
  Config c = config();
  c.run.limit = 1;
  // Filters off: random weights never predict an IoU above the default 0.88.
  c.prompt = parse_prompt_modes(json::array({"centroid", {{"mode", "everything"}, {"points_per_side", 4},
                                                          {"pred_iou_thresh", 0.0}, {"stability_score_thresh", 0.0}}}));
  EvalResult result = run_eval(c);
  ASSERT_EQ(result.modes.size(), 2u);
  EXPECT_EQ(result.modes[1].first, "everything(points_per_side=4)");
  CsvTable rows = CsvTable::read(c.run.output / "per_instance.csv");
  size_t everything = 0, matched = 0;
  for (size_t r = 0; r < rows.rows(); ++r) {
    if (rows.at(r, "prompt") != "everything(points_per_side=4)") continue;
    ++everything;
    matched += rows.at(r, "pred_area") != "0";  // a generated mask was matched
  }
  EXPECT_EQ(everything, static_cast<size_t>(result.instances));
  EXPECT_GT(matched, 0u);
  json summary = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_NE(summary["prompts"][1]["description"].get<std::string>().find("points_per_side"), std::string::npos);
}

TEST_F(EvalTest, TwoModesAndTwoPoliciesGiveFourResultSets) {
  Config c = config();
  c.run.limit = 1;
  c.prompt = parse_prompt_modes(json::array({"centroid", "interior"}));
  c.mask_policy = parse_mask_policy_names(json::array({"best_score", "single"}));
  EvalResult result = run_eval(c);
  std::vector<std::string> names;
  for (const auto& [name, levels] : result.modes) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"centroid/best_score", "centroid/single",
                                             "interior/best_score", "interior/single"}));
  // The single policy always keeps output 0, best_score one of 1..3, from the same decode.
  CsvTable rows = CsvTable::read(c.run.output / "per_instance.csv");
  for (size_t r = 0; r < rows.rows(); ++r) {
    const std::string& set = rows.at(r, "prompt");
    if (testing::contains(set, "/single")) EXPECT_EQ(rows.at(r, "mask_index"), "0") << set;
    if (testing::contains(set, "/best_score")) EXPECT_NE(rows.at(r, "mask_index"), "0") << set;
  }
  EXPECT_EQ(csv_rows(c.run.output / "per_instance.csv"), 4u * static_cast<size_t>(result.instances));
  // prompts.jsonl holds each mode's prompts once, whatever the number of policies.
  EXPECT_EQ(csv_rows(c.run.output / "prompts.jsonl") + 1, 2u * static_cast<size_t>(result.instances));
}

TEST_F(EvalTest, OracleIsAnUpperBoundOfBestScore) {
  Config c = config();
  run_eval(c);
  CsvTable best = CsvTable::read(c.run.output / "per_instance.csv");
  c.mask_policy = parse_mask_policy_names("oracle");
  run_eval(c, kReplace);
  CsvTable oracle = CsvTable::read(c.run.output / "per_instance.csv");
  ASSERT_EQ(best.rows(), oracle.rows());
  ASSERT_GT(best.rows(), 0u);
  bool some_better = false;
  for (size_t r = 0; r < best.rows(); ++r) {
    EXPECT_GE(oracle.number(r, "dice"), best.number(r, "dice")) << r;
    some_better |= oracle.number(r, "dice") > best.number(r, "dice");
  }
  EXPECT_TRUE(some_better);  // random weights: the predicted IoU is a poor guide
}

// A CT volume stored in RAS (as NIfTI files from many tools are): two organs on the middle two
// of four slices.
// A DRIVE-layout copy of a demo image whose field of view is its left half: the random model's
// masks spill everywhere, and nothing outside the FOV may be predicted, saved or scored.
TEST_F(EvalTest, NothingOutsideTheFieldOfViewIsScored) {
  const cv::Mat fov = testing::write_drive_left_half(dir_ / "data", dir_ / "DRIVE");
  const cv::Mat truth = read_label_map(dir_ / "data/masks/demo_000.png") == 1;  // its vessels

  Config c = config();
  c.dataset = {{"adapter", "vessels"}, {"layout", "drive"}, {"root", "DRIVE"}};
  c.instances.whole_class = true;
  c.run.save_predictions = true;
  run_eval(c);
  cv::Mat kept = read_label_map(dir_ / "run/predictions/01_test/vessel_1.png");
  EXPECT_GT(cv::countNonZero(kept), 0);
  EXPECT_EQ(cv::countNonZero(kept & ~fov), 0);
  CsvTable rows = CsvTable::read(dir_ / "run/per_instance.csv");
  ASSERT_EQ(rows.rows(), 1u);
  EXPECT_EQ(rows.at(0, "gt_area"), std::to_string(cv::countNonZero(truth & fov)));
  EXPECT_EQ(rows.at(0, "pred_area"), std::to_string(cv::countNonZero(kept)));
  json summary = json::parse(read_file(dir_ / "run/summary.json"));
  EXPECT_TRUE(testing::contains(summary["conventions"]["field_of_view"], "test/mask/<image>_mask.gif"));
}

TEST(EvalVolumes, CaseScoresAndALabelVolumeOnTheSourceGrid) {
  testing::TempDir dir;
  testing::write_ct_case(dir / "amos");
  Config c = testing::ct_config(dir.path());
  c.run.save_predictions = true;
  EvalResult result = run_eval(c);
  ASSERT_EQ(result.levels.size(), 3u);
  EXPECT_EQ(result.levels[2].name, "case");
  EXPECT_EQ(result.instances, 4);  // two organs on two slices

  json summary = json::parse(read_file(dir / "run/summary.json"));
  EXPECT_EQ(summary["counts"]["images_without_instances"], 2);
  // per_case.csv: one row per (case, class present), pixel counts summed over the slices.
  CsvTable cases = CsvTable::read(dir / "run/per_case.csv");
  CsvTable images = CsvTable::read(dir / "run/per_image.csv");
  ASSERT_EQ(cases.rows(), 2u);
  ASSERT_EQ(images.rows(), 4u);
  long long truth = 0;
  for (size_t r = 0; r < images.rows(); ++r) truth += images.at(r, "class_label") == "1" ? images.integer(r, "gt_area") : 0;
  EXPECT_EQ(cases.at(0, "case"), "amos_0001");
  EXPECT_EQ(cases.at(0, "class_label"), "1");
  EXPECT_EQ(cases.integer(0, "gt_area"), truth);
  EXPECT_EQ(truth, 2 * 12 * 20);
  // The case rows carry the 3D surface metrics of the stacked slices; nnU-Net's per-case keys
  // list the case.
  for (size_t r = 0; r < cases.rows(); ++r) {
    EXPECT_GE(cases.number(r, "nsd"), 0.0);
    EXPECT_LE(cases.number(r, "nsd"), 1.0);
    EXPECT_GE(cases.number(r, "hd95"), 0.0);  // NaN compares false
  }
  EXPECT_EQ(summary["metric_per_case"][0]["case"], "amos_0001");

  // The label volume is stored on the ground truth file's own grid (same header geometry, same
  // voxel order, so tools comparing arrays can use it) and holds the slices' label maps.
  ASSERT_TRUE(fs::exists(dir / "run/predictions/amos_0001.nii.gz"));
  VolumeGeometry stored = read_geometry(dir / "run/predictions/amos_0001.nii.gz");
  EXPECT_TRUE(same_grid(stored, read_geometry(dir / "amos/labelsVa/amos_0001.nii.gz")));
  EXPECT_DOUBLE_EQ(stored.direction[0], -1.0);  // RAS as the source, not reoriented
  LabelVolume saved = read_label_volume(dir / "run/predictions/amos_0001.nii.gz");
  LabelVolume truth_volume = read_label_volume(dir / "amos/labelsVa/amos_0001.nii.gz");
  EXPECT_TRUE(same_grid(saved.geometry, truth_volume.geometry));
  cv::Mat slice1 = read_label_map(dir / "run/predictions/amos_0001/001/labels.png");
  cv::Mat from_volume(48, 64, CV_16U, saved.voxels.data() + saved.slice_pixels());
  cv::Mat slice1_wide;
  slice1.convertTo(slice1_wide, CV_16U);
  EXPECT_EQ(cv::countNonZero(from_volume != slice1_wide), 0);
  cv::Mat empty(48, 64, CV_16U, saved.voxels.data());
  EXPECT_EQ(cv::countNonZero(empty), 0);
  EXPECT_NE(summary["predictions"].dump().find("predictions/amos_0001.nii.gz"), std::string::npos);
}

// Issue 15: ground truth on slices (or of classes) that nothing prompted was left out of the
// case's 3D Dice. Here class 1 (240 pixels a slice) is below min_area on every slice: it is never
// prompted, has no image row, and its case row scores the whole truth as missed.
TEST(EvalVolumes, TheCaseDiceCountsTheGroundTruthNothingPrompted) {
  testing::TempDir dir;
  testing::write_ct_case(dir / "amos");
  Config c = testing::ct_config(dir.path());
  c.instances.min_area = 300;  // class 6 has 320 pixels a slice, class 1 240
  EvalResult result = run_eval(c);
  EXPECT_EQ(result.instances, 2);  // class 6 on slices 1 and 2
  CsvTable images = CsvTable::read(dir / "run/per_image.csv");
  for (size_t r = 0; r < images.rows(); ++r) EXPECT_EQ(images.at(r, "class_label"), "6");
  CsvTable cases = CsvTable::read(dir / "run/per_case.csv");
  ASSERT_EQ(cases.rows(), 2u);
  EXPECT_EQ(cases.at(0, "class_label"), "1");
  EXPECT_EQ(cases.integer(0, "gt_area"), 2 * 12 * 20);
  EXPECT_EQ(cases.integer(0, "pred_area"), 0);
  EXPECT_EQ(cases.number(0, "dice"), 0.0);
  EXPECT_EQ(cases.number(0, "nsd"), 0.0);  // a surface with nothing predicted near it

  // A resumed or merged run rebuilds the same case rows from the journal.
  const std::string table = read_file(dir / "run/per_case.csv");
  EvalOptions resume;
  resume.resume = true;
  run_eval(c, resume);
  EXPECT_EQ(read_file(dir / "run/per_case.csv"), table);
}

// The real ISIC 2018 sample, read in place through the generic adapter: the official layout is
// two folders with a mask suffix.
TEST(EvalSharedData, IsicSampleThroughTheFolderAdapter) {
  fs::path data = testing::shared_data();
  if (data.empty() || !fs::exists(data / "isic/ISIC2018_Task1-2_Training_Input")) {
    GTEST_SKIP() << "../shared/data/isic is absent; this test needs the real ISIC sample";
  }
  testing::TempDir dir;
  Config c;
  c.name = "isic";
  c.dataset = {{"adapter", "folder"},
               {"root", (data / "isic").string()},
               {"images", "ISIC2018_Task1-2_Training_Input"},
               {"masks", "ISIC2018_Task1_Training_GroundTruth"},
               {"mask_suffix", "_segmentation"},
               {"classes", {{"255", "lesion"}}}};
  c.model.path = testing::small_model();
  c.model.device = "cpu";
  c.instances.whole_class = true;  // the study scores the lesion mask as one object
  c.run.output = dir / "run";
  EvalResult result = run_eval(c);
  EXPECT_EQ(result.images, 1);
  ASSERT_EQ(result.instances, 1);
  std::string csv = read_file(dir / "run/per_instance.csv");
  EXPECT_NE(csv.find("\nISIC_0000000,ISIC_0000000,,centroid,255,lesion,1,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace sambench
