// Security findings that need a whole run (issue: hostile run folders, datasets and models from
// colleagues). Each test fails on the code before its defence; docs/security.md lists them.

#include <cstdlib>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/report/csv.h"
#include "sambench/run/eval.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::error_of;
using testing::run_sambench;

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override { make_demo_dataset(dir_ / "data", {2, 0}); }

  // A finished run with its masks saved, in dir_/run.
  Config saved_run() {
    Config c = testing::demo_config(dir_.path(), "security_test");
    c.run.save_predictions = true;
    run_eval(c);
    return c;
  }

  // Rewrites per_instance.csv with `mask_file` in the first row.
  void plant_mask_file(const fs::path& run, const std::string& mask_file) {
    CsvTable table = CsvTable::read(run / "per_instance.csv");
    std::string text = read_file(run / "per_instance.csv");
    const std::string original = table.at(0, "mask_file");
    text.replace(text.find(original), original.size(), mask_file);
    testing::write_text(run / "per_instance.csv", text);
  }

  testing::TempDir dir_;
};

// Finding 10: an image named "...png" got the id "..", and its masks landed at the run
// folder's root (predictions/../<class>_1.png).
TEST_F(SecurityTest, SampleIdsThatAreNotSafeFileNamesAreRefused) {
  for (const char* folder : {"images", "masks"}) fs::rename(dir_ / "data" / folder / "demo_000.png", dir_ / "data" / folder / "...png");
  Config c = testing::demo_config(dir_.path(), "security_test");
  c.run.save_predictions = true;
  const std::string error = error_of([&] { run_eval(c); });
  EXPECT_TRUE(contains(error, "...png: its sample id '..' leaves its folder through '..': not a safe file name")) << error;
  // Refused while listing, before the run folder is touched: no mask at its root.
  std::error_code ec;
  for (auto it = fs::directory_iterator(c.run.output, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    EXPECT_NE(it->path().extension(), ".png") << it->path();
  }
}

// Finding 9: the mask_file column of a run folder from someone else made rescore and report
// read any path.
TEST_F(SecurityTest, MaskFilesOutsideTheRunFolderAreRefused) {
  Config c = saved_run();
  plant_mask_file(c.run.output, "../data/masks/demo_001.png");
  std::string error = error_of([&] { run_rescore(c.run.output, dir_ / "rescored"); });
  EXPECT_TRUE(contains(error, "per_instance.csv: the file name '../data/masks/demo_001.png' leaves its folder")) << error;

  auto r = run_sambench("report '" + c.run.output.string() + "' --overlays 5 --no-charts");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "refusing to use it")) << r.output;
}

// Finding 9: a recorded dataset root is only one the user confirms; a confirmed root's config
// cannot lead outside it ("images: ../elsewhere").
TEST_F(SecurityTest, ADatasetRootGivenByTheUserConfinesTheReads) {
  Config c = saved_run();
  RescoreResult same = run_rescore(c.run.output, dir_ / "rescored", dir_ / "data");
  EXPECT_TRUE(same.differing.empty());

  fs::create_directories(dir_ / "private");
  fs::copy(dir_ / "data/images", dir_ / "private/images");
  json summary = json::parse(read_file(c.run.output / "summary.json"));
  summary["config"]["dataset"]["images"] = "../private/images";
  testing::write_text(c.run.output / "summary.json", summary.dump(2));
  const std::string error = error_of([&] { run_rescore(c.run.output, dir_ / "rescored2", dir_ / "data"); });
  EXPECT_TRUE(contains(error, "lies outside the dataset root " + (dir_ / "data").string())) << error;
}

// Finding 9, with two users: `report` and `rescore` on a run folder someone else prepared read
// its recorded dataset root (a private folder of yours) and drew its images into their folder.
TEST_F(SecurityTest, ARunFolderOfAnotherUserNeedsTheDatasetRootConfirmed) {
  const std::string skip = testing::second_user_unavailable();
  if (!skip.empty()) GTEST_SKIP() << skip;
  Config c = saved_run();
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
  // The other user makes the run folder: a copy of a run, with their name on every file.
  const fs::path theirs = dir_ / "theirs";
  fs::create_directories(theirs);
  fs::permissions(theirs, fs::perms::all);
  fs::copy(c.run.output, theirs / "run", fs::copy_options::recursive);
  ASSERT_EQ(std::system(("chmod -R a+rwX '" + theirs.string() + "/run'").c_str()), 0);
  ASSERT_EQ(testing::run_as_second_user("cp -r '" + theirs.string() + "/run' '" + theirs.string() + "/run2'"), 0);
  const fs::path run = theirs / "run2";

  auto r = run_sambench("report '" + run.string() + "' --overlays 2 --no-charts");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "no overlays: " + (run / "summary.json").string() + ": the run folder is not yours"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "--dataset-root")) << r.output;
  EXPECT_FALSE(fs::exists(run / "figures/overlays"));

  const std::string error = error_of([&] { run_rescore(run, dir_ / "rescored"); });
  EXPECT_TRUE(contains(error, "not yours")) << error;

  r = run_sambench("report '" + run.string() + "' --overlays 2 --no-charts --dataset-root '" + (dir_ / "data").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(run / "figures/overlays")) << r.output;
}

}  // namespace
}  // namespace sambench
