// Several models in one run (`models:`): a folder and embedding-cache entries per model, and
// `sambench compare` putting three models side by side on the same instances and prompts.
// The three models are random-weight exports: the small SAM with seeds 0 and 1, and MobileSAM.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::run_sambench;

class ModelZooTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_demo_dataset(dir_ / "data", {3, 1});
    // MobileSAM carries its own prompts (as MedSAM would a box): the runs share centroid.
    testing::write_text(dir_ / "zoo.yaml",
                        "name: zoo\n"
                        "dataset:\n  adapter: folder\n  root: data\n  classes: {1: disk, 2: box, 3: crescent}\n"
                        "model: {device: cpu}\n"
                        "models:\n"
                        "  - {name: seed0, path: " + testing::small_model().string() + "}\n"
                        "  - {name: seed1, path: " + (testing::test_assets() / "sam_small_seed1.pt").string() + "}\n"
                        "  - {name: mobile, path: " + (testing::test_assets() / "mobile_sam.pt").string() +
                        ", prompt: [centroid, {mode: box, margin: 5}]}\n"
                        "instances: {min_area: 10}\n"
                        "metrics: {bootstrap: 200, surface: false}\n"  // NSD and HD95 of noise masks are slow
                        "run: {output: runs, threads: 2, embedding_cache: cache}\n");
  }

  std::string config() const { return "--config '" + (dir_ / "zoo.yaml").string() + "'"; }
  json summary(const std::string& model) const { return json::parse(read_file(dir_ / "runs" / model / "summary.json")); }
  std::string run(const std::string& model) const { return "'" + (dir_ / "runs" / model).string() + "'"; }

  testing::TempDir dir_;
};

TEST_F(ModelZooTest, EachModelHasItsFolderAndCacheEntriesAndCompareShowsThemSideBySide) {
  auto r = run_sambench("eval " + config());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "== zoo/mobile (3/3)")) << r.output;
  std::set<std::string> hashes;
  for (const std::string model : {"seed0", "seed1", "mobile"}) {
    const json s = summary(model);
    ASSERT_EQ(s["status"], "complete") << model;
    hashes.insert(s["model"]["sha256"].get<std::string>());
    // Each model encodes every image itself: the cache is keyed by the model's hash.
    EXPECT_EQ(s["embedding_cache"]["hits"], 0) << model;
    EXPECT_EQ(s["embedding_cache"]["misses"], 3) << model;
  }
  EXPECT_EQ(hashes.size(), 3u);
  EXPECT_EQ(summary("mobile")["config"]["prompt"][1]["mode"], "box");
  EXPECT_EQ(summary("mobile")["model"]["metadata"]["model_type"], "mobile_sam");
  EXPECT_EQ(summary("seed0")["config"]["prompt"], "centroid");

  // A model run again finds its own entries.
  r = run_sambench("eval " + config() + " --only seed1 --overwrite");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(summary("seed1")["embedding_cache"]["hits"], 3);
  EXPECT_FALSE(contains(r.output, "seed0")) << r.output;

  r = run_sambench("compare " + run("seed0") + " " + run("seed1") + " " + run("mobile") + " -o '" +
                   (dir_ / "cmp").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "## Side by side: centroid")) << r.output;
  EXPECT_TRUE(contains(r.output, "| class | instances | seed0 | seed1 | Δ seed1 | mobile | Δ mobile |")) << r.output;
  EXPECT_TRUE(contains(r.output, "| **mean over classes** |")) << r.output;
  EXPECT_FALSE(contains(r.output, "Side by side: box")) << r.output;  // MobileSAM's alone
  EXPECT_TRUE(contains(r.output, "| mobile | `")) << r.output;         // the runs' legend
  EXPECT_TRUE(contains(read_file(dir_ / "cmp" / "compare.md"), "## Side by side: centroid"));
}

// Side by side needs the same instances: a run over fewer images is refused with one line.
TEST_F(ModelZooTest, CompareRefusesRunsThatDoNotPair) {
  ASSERT_EQ(run_sambench("eval " + config() + " --only seed0 mobile").exit_code, 0);
  auto r = run_sambench("eval " + config() + " --only seed1 --limit 1 -o '" + (dir_ / "short").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string short_run = "'" + (dir_ / "short" / "seed1").string() + "'";
  r = run_sambench("compare " + run("seed0") + " " + short_run + " " + run("mobile"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "does not pair with")) << r.output;
  EXPECT_TRUE(contains(r.output, "only in the reference")) << r.output;
  // Two runs still compare what they share.
  EXPECT_EQ(run_sambench("compare " + run("seed0") + " " + short_run).exit_code, 0);
}

// --model replaces the list by one model, whose run is the output folder itself.
TEST_F(ModelZooTest, ModelOptionReplacesTheList) {
  auto r = run_sambench("eval " + config() + " --limit 1 --model '" + testing::small_model().string() + "' -o '" +
                        (dir_ / "one").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_ / "one" / "summary.json"));
  EXPECT_FALSE(fs::exists(dir_ / "one" / "seed0"));
  r = run_sambench("bench " + config() + " --repeat 1 --warmup 0");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "lists 3 models; bench times one run")) << r.output;
}

}  // namespace
}  // namespace sambench
