#include "sambench/config.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/error.h"

namespace sambench {
namespace {

using testing::TempDir;
using testing::write_text;

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
run: {output: ../runs/x, threads: 3, limit: 7, decode_batch: 4}
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
  EXPECT_EQ(c.mask_policy, "single");
  EXPECT_EQ(c.empty_rule, "one");
  EXPECT_EQ(c.run.output, dir.path() / "runs" / "x");
  EXPECT_EQ(c.run.threads, 3);
  EXPECT_EQ(c.run.limit, 7);
  EXPECT_EQ(c.run.decode_batch, 4);
  EXPECT_NO_THROW(validate(c));
}

TEST(LoadConfig, DefaultsWhenSectionsAreMissing) {
  TempDir dir;
  write_text(dir / "minimal.yaml", "dataset: {adapter: folder}\n");
  Config c = load_config(dir / "minimal.yaml");
  EXPECT_EQ(c.name, "minimal");
  EXPECT_EQ(c.prompt, "centroid");
  EXPECT_EQ(c.mask_policy, "best_score");
  EXPECT_EQ(c.run.output, std::filesystem::path("runs/minimal"));
  EXPECT_EQ(c.run.decode_batch, 0);  // chosen per device
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

TEST(Validate, RejectsOutOfRangeValuesAndUnknownNames) {
  Config c;
  c.dataset = {{"adapter", "folder"}};
  c.model.path = "m.pt";
  c.run.output = "out";
  EXPECT_NO_THROW(validate(c));
  Config bad = c;
  bad.run.decode_batch = -1;
  EXPECT_THROW(validate(bad), Error);
  bad = c;
  bad.prompt = "centre";
  EXPECT_THROW(validate(bad), Error);
  bad = c;
  bad.empty_rule = "zero";
  EXPECT_THROW(validate(bad), Error);
}

TEST(ToJson, RecordsResolvedValues) {
  Config c;
  c.name = "n";
  c.run.threads = 2;
  nlohmann::json j = to_json(c);
  EXPECT_EQ(j["run"]["threads"], 2);
  EXPECT_EQ(j["mask_policy"], "best_score");
}

}  // namespace
}  // namespace sambench
