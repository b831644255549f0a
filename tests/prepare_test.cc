// The pipeline (read-ahead, metrics on workers) and the embedding cache, end to end: none may
// change a result.

#include <fstream>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
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

  Config config(const std::string& output, int prefetch, int metric_workers = 0) const {
    // Always base/run, so that summary.json records the same config.
    Config c = testing::demo_config(dir_.path(), "prepare_test");
    c.run.prefetch = prefetch;
    c.run.metric_workers = metric_workers;
    run_to_ = dir_ / output;
    return c;
  }

  // Runs, then keeps the result files under `run_to_`.
  void run(const Config& c) {
    EvalOptions replace;  // every variant writes the same folder, then its files are kept
    replace.overwrite = true;
    run_eval(c, replace);
    fs::create_directories(run_to_);
    for (const auto& name : kResults) fs::copy_file(c.run.output / name, run_to_ / name);
  }

  void expect_identical(const std::string& a, const std::string& b) const {
    for (const auto& name : kResults) {
      EXPECT_EQ(read_file(dir_ / a / name), read_file(dir_ / b / name)) << name << " differs";
    }
  }

  json cache_stats(const Config& c) const {
    return json::parse(read_file(c.run.output / "timings.json"))["embedding_cache"];
  }

  testing::TempDir dir_;
  mutable fs::path run_to_;
};

TEST_F(PrepareTest, PipelinedRunIsByteIdenticalToSequential) {
  run(config("sequential", 0));
  run(config("pipelined", 3, 3));
  expect_identical("sequential", "pipelined");
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

}  // namespace
}  // namespace sambench
