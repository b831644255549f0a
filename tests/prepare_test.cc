// The pipeline (read-ahead, metrics on workers, batched encoding) and the embedding cache, end
// to end: none may change a result.

#include <algorithm>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "fixtures/run_folders.h"
#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/base/manifest.h"
#include "sambench/data/demo_data.h"
#include "sambench/run/eval.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> kResults = {"per_instance.csv", "per_image.csv", "per_class.csv",
                                           "per_class_image.csv", "prompts.jsonl", "summary.json",
                                           "journal.jsonl"};

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override { make_demo_dataset(dir_ / "data", {4, 3}); }

  Config config(const std::string& output, int prefetch, int metric_workers = 0, int encode_batch = 1) const {
    // Always base/run, so that summary.json records the same config.
    Config c = testing::demo_config(dir_.path(), "prepare_test");
    c.run.prefetch = prefetch;
    c.run.metric_workers = metric_workers;
    c.run.encode_batch = encode_batch;
    run_to_ = dir_ / output;
    return c;
  }

  // Runs, then keeps the result files under `run_to_`.
  void run(const Config& c, EvalOptions options = {}) {
    options.overwrite = true;  // every variant writes the same folder, then its files are kept
    run_eval(c, options);
    fs::create_directories(run_to_);
    for (const auto& name : kResults) fs::copy_file(c.run.output / name, run_to_ / name);
  }

  void expect_identical(const std::string& a, const std::string& b) const {
    for (const auto& name : kResults) {
      EXPECT_EQ(comparable(dir_ / a / name), comparable(dir_ / b / name)) << name << " differs";
    }
  }

  // A file's bytes; summary.json without its record of the cache's use, the one thing a cache changes.
  static std::string comparable(const fs::path& file) {
    if (file.filename() != "summary.json") return read_file(file);
    json summary = json::parse(read_file(file));
    summary.erase("embedding_cache");
    return summary.dump(2);
  }

  json timings(const Config& c) const { return json::parse(read_file(c.run.output / "timings.json")); }
  json cache_stats(const Config& c) const { return timings(c)["embedding_cache"]; }

  testing::TempDir dir_;
  mutable fs::path run_to_;
};

TEST_F(PrepareTest, PipelinedRunIsByteIdenticalToSequential) {
  run(config("sequential", 0));
  run(config("pipelined", 3, 3));
  expect_identical("sequential", "pipelined");
}

// Every file but timings.json, with every stage on one thread and with the work after the
// decoder (full resolution, field of view, scores, saved masks) on three workers, on images of
// several classes with a bad one in the middle, skipped while the units before it may still be
// scoring: with saved predictions (one plain mode), an iterative mode beside a plain one, and
// two modes with two mask policies.
TEST_F(PrepareTest, WorkersWriteEveryFileAsOneThreadDoes) {
  std::vector<fs::path> images;
  for (const auto& e : fs::directory_iterator(dir_ / "data/images")) images.push_back(e.path());
  std::sort(images.begin(), images.end());
  const std::string bytes = read_file(images.at(2));
  testing::write_text(images.at(2), bytes.substr(0, bytes.size() / 2));  // truncated
  EvalOptions options;
  options.on_error = OnError::kSkip;
  options.overwrite = true;
  auto run_with = [&](int workers, const json& modes, const json& policies, bool save) {
    Config c = config("unused", /*prefetch=*/workers, workers);
    c.prompt = parse_prompt_modes(modes);
    c.mask_policy = parse_mask_policy_names(policies);
    c.run.save_predictions = save;
    c.run.embedding_cache = dir_ / "cache";  // each image encoded once, by the first run
    run_eval(c, options);
    return testing::files_of(c.run.output);
  };
  run_with(0, "centroid", "best_score", false);  // fills the cache: every compared run hits it
  const testing::FolderFiles saved = run_with(0, "centroid", "best_score", true);
  EXPECT_TRUE(saved.count("predictions/" + images.at(0).stem().string() + "/labels.png"));
  EXPECT_EQ(json::parse(saved.at("summary.json"))["counts"]["images_skipped"], 1);
  EXPECT_EQ(testing::differing_files(run_with(3, "centroid", "best_score", true), saved), std::vector<std::string>{});

  const json iterative = json::array({"centroid", {{"mode", "iterative"}, {"rounds", 3}}});
  const testing::FolderFiles clicked = run_with(0, iterative, "best_score", false);
  EXPECT_EQ(testing::differing_files(run_with(3, iterative, "best_score", false), clicked), std::vector<std::string>{});

  const json two = json::array({"centroid", "box"}), policies = json::array({"best_score", "single"});
  const testing::FolderFiles both = run_with(0, two, policies, false);
  EXPECT_EQ(testing::differing_files(run_with(3, two, policies, false), both), std::vector<std::string>{});

  // One worker for both the read-ahead (4 samples ahead) and every job after the decoder: the
  // model thread waits on both, in turn, and nothing waits forever.
  Config one = config("unused", /*prefetch=*/4, /*metric_workers=*/-1);
  one.run.workers = 1;
  one.run.save_predictions = true;
  one.run.embedding_cache = dir_ / "cache";
  run_eval(one, options);
  EXPECT_EQ(testing::differing_files(testing::files_of(one.run.output), saved), std::vector<std::string>{});
  const json timings = json::parse(read_file(one.run.output / "timings.json"));
  EXPECT_EQ(timings["workers"], 1);
  EXPECT_EQ(timings["metric_workers"], 1);
}

// Volumes: each slice's work after the decoder runs on the workers, and its case's 3D surfaces
// and label volume take the slice when its job is settled, in slice order. Every file but
// timings.json as on one thread: two cases, slices without objects, saved predictions (the
// cases' label volumes), and an iterative mode beside a plain one; one worker, and three.
TEST(PrepareVolumes, WorkersWriteEveryFileAsOneThreadDoes) {
  testing::TempDir dir;
  testing::write_ct_case(dir / "amos", "amos_0001");
  testing::write_ct_case(dir / "amos", "amos_0002");
  auto run_with = [&](int workers, const json& modes, bool save) {
    Config c = testing::ct_config(dir.path());
    c.run.save_predictions = save;
    c.run.workers = workers;
    c.run.prefetch = 3;
    c.prompt = parse_prompt_modes(modes);
    EvalOptions options;
    options.overwrite = true;
    run_eval(c, options);
    return testing::files_of(c.run.output);
  };
  const testing::FolderFiles saved = run_with(0, "centroid", true);
  EXPECT_TRUE(saved.count("predictions/amos_0002.nii.gz"));
  EXPECT_TRUE(saved.count("per_case.csv"));
  for (int workers : {1, 3}) {
    EXPECT_EQ(testing::differing_files(run_with(workers, "centroid", true), saved), std::vector<std::string>{})
        << workers << " workers";
  }
  const json iterative = json::array({"centroid", {{"mode", "iterative"}, {"rounds", 2}}});
  const testing::FolderFiles clicked = run_with(0, iterative, false);
  EXPECT_EQ(testing::differing_files(run_with(3, iterative, false), clicked), std::vector<std::string>{});
}

// A job that fails while it writes its masks (a folder stands where an image's label map goes):
// the run fails, the image's rows are not kept, and the masks the job wrote before the failure
// are listed in the manifest, so that a later run in the folder removes them. On one thread
// and on two workers.
TEST_F(PrepareTest, AFailedJobsWrittenMasksAreListed) {
  for (int workers : {0, 2}) {
    Config c = config("unused", 2, /*metric_workers=*/-1);
    c.run.workers = workers;
    c.run.save_predictions = true;
    EvalOptions options;
    options.overwrite = true;
    run_eval(c, options);
    std::vector<fs::path> images;
    for (const auto& e : fs::directory_iterator(c.run.output / "predictions")) images.push_back(e.path());
    std::sort(images.begin(), images.end());
    const fs::path blocked = images.at(1) / "labels.png";
    fs::remove(blocked);
    fs::create_directories(blocked / "in_the_way");
    EXPECT_THROW(run_eval(c, options), std::exception) << workers << " workers";
    const std::vector<std::string> listed = read_manifest(c.run.output);
    size_t masks = 0;
    for (const auto& e : fs::recursive_directory_iterator(c.run.output / "predictions")) {
      if (!e.is_regular_file()) continue;
      const std::string name = fs::relative(e.path(), c.run.output).string();
      if (name.rfind(fs::relative(images.at(1), c.run.output).string(), 0) == 0) ++masks;
      EXPECT_NE(std::find(listed.begin(), listed.end(), name), listed.end()) << name << " is not listed";
    }
    EXPECT_GE(masks, 1u) << "the failed job wrote no mask before its label map";
    const std::string partial = read_file(c.run.output / "per_instance.partial.csv");
    EXPECT_EQ(partial.find(images.at(1).filename().string() + ","), std::string::npos);
    fs::remove_all(blocked);
  }
}

TEST_F(PrepareTest, CacheHitGivesTheSameResultsAsAMiss) {
  run(config("plain", 2));
  Config c = config("miss", 2);
  c.run.embedding_cache = dir_ / "cache";
  run(c);
  EXPECT_EQ(cache_stats(c)["misses"], 4);
  EXPECT_EQ(cache_stats(c)["stores"], 4);
  run_to_ = dir_ / "hit";
  run(c);
  EXPECT_EQ(cache_stats(c)["hits"], 4);
  EXPECT_EQ(cache_stats(c)["stores"], 0);
  // Security finding 7: summary.json says that the embeddings came from a cache, and which.
  const json recorded = json::parse(read_file(c.run.output / "summary.json"));
  EXPECT_EQ(recorded["embedding_cache"]["hits"], 4);
  EXPECT_EQ(recorded["embedding_cache"]["dir"], (dir_ / "cache").string());
  EXPECT_FALSE(json::parse(read_file(dir_ / "plain" / "summary.json")).contains("embedding_cache"));
  expect_identical("plain", "miss");
  expect_identical("miss", "hit");
}

TEST_F(PrepareTest, CorruptCacheEntryIsRecomputed) {
  Config c = config("first", 0);
  c.run.embedding_cache = dir_ / "cache";
  run(c);
  std::vector<fs::path> entries;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "cache")) {
    if (e.path().extension() == ".emb") entries.push_back(e.path());
  }
  ASSERT_EQ(entries.size(), 4u);
  {
    std::fstream f(entries[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.write("\x01\x02\x03\x04", 4);
  }
  run_to_ = dir_ / "second";
  run(c);
  EXPECT_EQ(cache_stats(c)["hits"], 3);
  EXPECT_EQ(cache_stats(c)["rejected"], 1);
  EXPECT_EQ(cache_stats(c)["stores"], 1);  // the corrupt entry, rewritten
  expect_identical("first", "second");
}

// Four images in batches of three (a full batch, then one image), read ahead or not: each
// embedding has its batch-1 bits on a CPU, and every file is byte-identical.
TEST_F(PrepareTest, BatchedEncodingIsByteIdenticalToOneAtATime) {
  run(config("one_at_a_time", 2));
  Config batched = config("batched", 2, 0, 3);
  run(batched);
  EXPECT_EQ(timings(batched)["encode_batch"], 3);
  expect_identical("one_at_a_time", "batched");
  run(config("batched_sequential", 0, 0, 4));
  expect_identical("one_at_a_time", "batched_sequential");
}

// Cache hits need no encoder: the batch is made of the misses, and each miss is stored.
TEST_F(PrepareTest, BatchedEncodingBesideCacheHits) {
  run(config("plain", 2));
  Config c = config("half_cached", 2, 0, 3);
  c.run.embedding_cache = dir_ / "cache";
  c.run.limit = 2;
  EvalOptions replace;  // the folder holds the plain run
  replace.overwrite = true;
  run_eval(c, replace);  // caches the first two images
  c.run.limit = 0;
  run(c);
  EXPECT_EQ(cache_stats(c)["hits"], 2);
  EXPECT_EQ(cache_stats(c)["stores"], 2);
  expect_identical("plain", "half_cached");
}

// A sample that fails to read, under --on-error skip, ends the batch before it: the samples
// before and after it are encoded as at batch 1, and the same unit is skipped.
TEST_F(PrepareTest, BatchedEncodingSkipsABadSampleAsOneAtATime) {
  for (const auto& entry : fs::directory_iterator(dir_ / "data/images")) {
    if (entry.path().stem() == "demo_002") testing::write_text(entry.path(), "not an image");
  }
  EvalOptions skip;
  skip.on_error = OnError::kSkip;
  run(config("one_at_a_time", 2), skip);
  run(config("batched", 2, 0, 3), skip);
  EXPECT_EQ(json::parse(read_file(dir_ / "batched/summary.json"))["counts"]["images_done"], 3);
  expect_identical("one_at_a_time", "batched");
}

// A model whose encode refuses batches: each image of a failed batch is encoded alone, so the
// run ends as at batch 1 instead of failing.
TEST_F(PrepareTest, AFailedBatchIsEncodedImageByImage) {
  torch::jit::Module m("NoBatches");
  m.define(
      "def encode(self, x: Tensor) -> Tensor:\n"
      "  one = x.view([1, 3, 1024, 1024])\n"  // fails on a batch
      "  return torch.zeros([1, 256, 64, 64]) + one[0, 0, 0, 0]\n"
      "def decode(self, e: Tensor, c: Tensor, l: Tensor, m: Optional[Tensor]) -> Tuple[Tensor, Tensor]:\n"
      "  b = c.size(0)\n"
      "  return torch.zeros([b, 4, 256, 256]) + e[0, 0, 0, 0], torch.zeros([b, 4])\n");
  const std::string metadata =
      R"({"format": "sambench-sam/1", "model_type": "fake", "image_size": 1024, "embedding_size": 64,
          "low_res_size": 256, "num_mask_outputs": 4, "mask_threshold": 0.0, "batched_encode": true,
          "pixel_mean": [123.675, 116.28, 103.53], "pixel_std": [58.395, 57.12, 57.375]})";
  m.save((dir_ / "no_batches.pt").string(), {{"sambench.json", metadata}});
  Config one = config("one_at_a_time", 2);
  one.model.path = dir_ / "no_batches.pt";
  run(one);
  Config batched = config("batched", 2, 0, 3);
  batched.model.path = one.model.path;
  run(batched);
  expect_identical("one_at_a_time", "batched");
}

// SAM 2.1's interface: three features per image. The cache stores them all (a hit gives the
// miss's bytes), and batched encoding hands each image its own three.
TEST_F(PrepareTest, ThreeFeatureModelCachesAndBatchesEveryFeature) {
  torch::jit::Module m("ThreeFeatures");
  m.define(
      "def encode(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:\n"
      "  v = x[:, :1, 300:301, 300:301]\n"
      "  return torch.zeros([x.size(0), 256, 64, 64]) + v, torch.zeros([x.size(0), 32, 256, 256]) - v, "
      "torch.zeros([x.size(0), 64, 128, 128]) + 2 * v\n"
      "def decode(self, e0: Tensor, e1: Tensor, e2: Tensor, c: Tensor, l: Tensor, m: Optional[Tensor]) -> "
      "Tuple[Tensor, Tensor]:\n"
      "  b = c.size(0)\n"
      "  ramp = torch.arange(256).view([1, 1, 1, 256]).float() / 256 - 0.5\n"
      "  s = e0[0, 0, 0, 0] - 0.5 * e1[0, 0, 0, 0] - 0.25 * e2[0, 0, 0, 0]\n"
      "  k = torch.arange(4).view([1, 4, 1, 1]).float()\n"
      "  return torch.zeros([b, 4, 256, 256]) + ramp * (k + 1) + s, torch.zeros([b, 4]) + s\n");
  const std::string metadata =
      R"({"format": "sambench-sam/1", "model_type": "fake", "image_size": 1024, "embedding_size": 64,
          "low_res_size": 256, "num_mask_outputs": 4, "mask_threshold": 0.0, "batched_encode": true,
          "pixel_mean": [0.485, 0.456, 0.406], "pixel_std": [0.229, 0.224, 0.225],
          "profile": {"name": "sam2", "resize": "square", "resize_filter": "torch_bilinear_aa",
                      "normalization": "mean_std", "value_range": 1, "upscale": "direct", "input_size": 1024,
                      "prompt": "point", "mask_output": "multimask", "pad_point": "always",
                      "box_position": "first"}})";
  m.save((dir_ / "three.pt").string(), {{"sambench.json", metadata}});
  Config plain = config("plain", 2);
  plain.model.path = dir_ / "three.pt";
  run(plain);
  Config c = config("miss", 2);
  c.model.path = plain.model.path;
  c.run.embedding_cache = dir_ / "cache";
  run(c);
  EXPECT_EQ(cache_stats(c)["stores"], 4);
  size_t entries = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "cache")) {
    if (e.path().extension() != ".emb") continue;
    ++entries;
    EXPECT_EQ(fs::file_size(e.path()), 88u + 4 + 3 * 12 + (256 * 64 * 64 + 32 * 256 * 256 + 64 * 128 * 128) * 4 + 64);
  }
  EXPECT_EQ(entries, 4u);
  run_to_ = dir_ / "hit";
  run(c);
  EXPECT_EQ(cache_stats(c)["hits"], 4);
  Config batched = config("batched", 2, 0, 3);
  batched.model.path = plain.model.path;
  run(batched);
  expect_identical("plain", "miss");
  expect_identical("miss", "hit");
  expect_identical("plain", "batched");
}

// A fundus image is listed twice (disc, then cup): a batch encodes it once, and the cup reuses
// the disc's embedding as at batch 1.
TEST(PrepareFundus, BatchedEncodingEncodesARepeatedImageOnce) {
  testing::TempDir dir;
  for (const char* name : {"a", "b", "c"}) testing::write_fundus_case(dir.path(), "Domain1", name, 96, {44, 50});
  Config c = testing::demo_config(dir.path(), "fundus_batches");
  c.dataset = {{"adapter", "fundus"}, {"root", "Fundus"}, {"domains", {"Domain1"}}};
  c.run.metric_workers = 0;
  std::map<int, std::string> tables;
  EvalOptions replace;  // both batch sizes write the same folder
  replace.overwrite = true;
  for (int batch : {1, 4}) {
    c.run.encode_batch = batch;
    run_eval(c, replace);
    const json timings = json::parse(read_file(c.run.output / "timings.json"));
    EXPECT_EQ(timings["encodes_reused"], 3) << "batch " << batch;
    tables[batch] = read_file(c.run.output / "per_instance.csv");
  }
  EXPECT_EQ(tables[1], tables[4]);
}

}  // namespace
}  // namespace sambench
