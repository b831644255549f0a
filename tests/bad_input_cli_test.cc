// Hostile and mistaken inputs as a user meets them: the command line, a model whose metadata
// lies about its network, a replayed prompt outside its image (docs/reliability.md, "What we
// tried"). Each ends in one line naming what is wrong.

#include <sys/stat.h>

#include <functional>

#include <gtest/gtest.h>
#include <torch/script.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/finetune/finetune.h"
#include "sambench/model/sam_model.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::run_sambench;
using testing::TempDir;
using testing::write_text;

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

TEST(BadCommandLine, UnknownCommandIsNamed) {
  auto r = run_sambench("evl --config c.yaml");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "sambench: error: unknown command 'evl' (commands: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "eval")) << r.output;
}

TEST(BadCommandLine, MakeDemoImageCountHasAReadableRange) {
  TempDir dir;
  auto r = run_sambench("make-demo -o " + quoted(dir / "d") + " --images 0");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "not in range 1 to 10000")) << r.output;
  EXPECT_FALSE(contains(r.output, "1797")) << r.output;
}

class BadEvalArgs : public ::testing::Test {
 protected:
  void SetUp() override {
    make_demo_dataset(dir_ / "data", {1, 1});
    write_text(dir_ / "c.yaml", "dataset:\n  adapter: folder\n  root: data\n  classes: {1: disk, 2: box, 3: crescent}\n"
                                "model: {path: " + testing::small_model().string() + ", device: cpu}\n"
                                "instances: {min_area: 10}\nrun: {output: run, threads: 1}\n");
  }
  std::string eval() const { return "eval --config " + quoted(dir_ / "c.yaml"); }
  TempDir dir_;
};

TEST_F(BadEvalArgs, EmptyOutputOrShardIsRefusedNotIgnored) {
  auto r = run_sambench(eval() + " --output ''");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "must not be empty")) << r.output;
  r = run_sambench(eval() + " --shard ''");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "must not be empty")) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

TEST_F(BadEvalArgs, ThreadsAreBounded) {
  auto r = run_sambench(eval() + " --threads 100000");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "100000 not in range 0 to 256")) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

// The run writes the prompts it used; a replayed file with a point far outside the image is
// refused (it used to run, exit 0, with a changed Dice).
TEST_F(BadEvalArgs, ReplayedPromptOutsideTheImageIsRefused) {
  auto r = run_sambench(eval());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string prompts = read_file(dir_ / "run/prompts.jsonl");
  const size_t at = prompts.find("\"points\":[[");
  ASSERT_NE(at, std::string::npos) << prompts;
  const size_t end = prompts.find("]]", at);
  prompts.replace(at, end + 2 - at, "\"points\":[[1e9,-1e9]]");
  write_text(dir_ / "bad_prompts.jsonl", prompts);
  r = run_sambench(eval() + " --output " + quoted(dir_ / "replay") + " --prompts " + quoted(dir_ / "bad_prompts.jsonl"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "bad_prompts.jsonl: demo_000 class ")) << r.output;
  EXPECT_TRUE(contains(r.output, "is outside the ")) << r.output;
}

// An image without its mask stops a run under --on-error fail (before the model loads) and is
// skipped under skip; what the listing passed over is on stderr and in summary.json.
TEST_F(BadEvalArgs, MissingMaskIsSkippedUnderSkipAndPassedOverFilesAreListed) {
  make_demo_dataset(dir_ / "data", {2, 1});
  fs::remove(dir_ / "data/masks/demo_001.png");
  ASSERT_EQ(mkfifo((dir_ / "data/images/pipe.png").c_str(), 0600), 0);
  auto r = run_sambench(eval());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "demo_001.png: no mask for this image (expected ")) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "run"));
  r = run_sambench(eval() + " --on-error skip");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "2 file(s) passed over:")) << r.output;
  EXPECT_TRUE(contains(r.output, "pipe.png: a FIFO, not a regular file")) << r.output;
  const nlohmann::json summary = nlohmann::json::parse(read_file(dir_ / "run/summary.json"));
  EXPECT_EQ(summary["counts"]["images_skipped"], 1) << summary.dump();
  EXPECT_EQ(summary["skipped_files"].size(), 2u) << summary.dump();
}

TEST(BadFinetuneConfig, CountsAreRangeCheckedNotWrapped) {
  auto error = [](const nlohmann::json& section) {
    return testing::error_of([&] { parse_finetune_options(section, "f.yaml"); });
  };
  EXPECT_TRUE(contains(error({{"epochs", 4294967297LL}}), "'finetune.epochs' must be an integer that fits"));
  EXPECT_TRUE(contains(error({{"epochs", 1000000}}), "'finetune.epochs' must be from 1 to 100000"));
  EXPECT_TRUE(contains(error({{"batch_size", 2.5}}), "'finetune.batch_size' must be an integer that fits"));
  EXPECT_EQ(error({{"epochs", 3}, {"batch_size", 8}}), "(no error)");
}

// The small export with its metadata rewritten.
fs::path with_metadata(const TempDir& dir, const std::function<void(nlohmann::json&)>& edit) {
  torch::jit::ExtraFilesMap extra{{"sambench.json", ""}};
  torch::jit::Module module = torch::jit::load(testing::small_model().string(), torch::kCPU, extra);
  nlohmann::json metadata = nlohmann::json::parse(extra["sambench.json"]);
  edit(metadata);
  const fs::path out = dir / "edited.pt";
  module.save(out.string(), {{"sambench.json", metadata.dump()}});
  return out;
}

std::string load_error(const fs::path& model) {
  try {
    SamModel::load(model, "cpu");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BadModel, MetadataThatDisagreesWithTheNetworkIsRefusedAtLoad) {
  TempDir dir;
  EXPECT_EQ(load_error(with_metadata(dir, [](nlohmann::json&) {})), "(no error)");
  std::string error = load_error(with_metadata(dir, [](nlohmann::json& m) {
    m["image_size"] = 512;
    m["embedding_size"] = 32;
    m["low_res_size"] = 128;
    m["profile"]["input_size"] = 512;  // consistent metadata: only the network disagrees
  }));
  EXPECT_TRUE(contains(error, "edited.pt: model metadata 'embedding_size' is 32 but the network's image encoder "
                              "makes 64x64 embeddings")) << error;
  error = load_error(with_metadata(dir, [](nlohmann::json& m) { m["model_type"] = "vit_h"; }));
  EXPECT_TRUE(contains(error, "edited.pt: model metadata 'model_type' is vit_h (width 1280, 32 blocks) but the "
                              "network's image encoder has width 96 and 2 blocks")) << error;
  error = load_error(with_metadata(dir, [](nlohmann::json& m) { m["pixel_std"] = {0, 0, 0}; }));
  EXPECT_TRUE(contains(error, "edited.pt: model metadata 'pixel_std' must be 3 numbers in (0, 255]")) << error;
}

}  // namespace
}  // namespace sambench
