// Crash safety through the command a user runs: a run killed with SIGKILL at several points and
// resumed writes the bytes of an uninterrupted run; a resume with another setup is refused;
// --on-error skip leaves a bad sample out, listed.

#include <algorithm>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/test_fixtures.h"
#include "fixtures/run_folders.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::run_sambench;
using testing::lines_of;
using testing::spawn_sambench;
using testing::write_text;

// SIGKILLs the run once `ready` holds; false if the run ended first.
bool kill_when(pid_t pid, const std::function<bool()>& ready) {
  if (!testing::wait_until(pid, ready)) return false;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return true;
}

class ResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_demo_dataset(dir_ / "data", {6, 3});
    write_config("c.yaml", 10);
  }

  void write_config(const std::string& name, int min_area) {
    write_text(dir_ / name,
               "name: resume\n"
               "dataset:\n  adapter: folder\n  root: data\n  classes: {1: disk, 2: box, 3: crescent}\n"
               "model:\n  path: " + testing::small_model().string() + "\n  device: cpu\n"
               "instances: {min_area: " + std::to_string(min_area) + "}\n"
               "run: {output: run, threads: 1, save_predictions: true}\n");
  }

  std::vector<std::string> eval_args(bool resume) const {
    std::vector<std::string> args = {"eval", "--config", (dir_ / "c.yaml").string()};
    if (resume) args.push_back("--resume");
    return args;
  }

  std::string eval_command(bool resume, const std::string& config = "c.yaml") const {
    return "eval --config '" + (dir_ / config).string() + "'" + (resume ? " --resume" : "");
  }

  // The uninterrupted run's files, its folder then moved away so the others write to the same path.
  testing::FolderFiles reference() {
    auto r = run_sambench(eval_command(false));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto files = testing::files_of(dir_ / "run");
    fs::remove_all(dir_ / "run");
    return files;
  }

  testing::TempDir dir_;
};

TEST_F(ResumeTest, KilledAtSeveralPointsThenResumedGivesTheSameBytes) {
  const auto expected = reference();
  ASSERT_TRUE(expected.count("journal.jsonl"));
  ASSERT_TRUE(expected.count("run_state.json"));
  const fs::path journal = dir_ / "run/journal.jsonl";

  // Killed before any image is done, resumed.
  pid_t pid = spawn_sambench(eval_args(false));
  ASSERT_TRUE(kill_when(pid, [&] { return fs::exists(dir_ / "run/run_state.json"); }));
  auto r = run_sambench(eval_command(true));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), expected), std::vector<std::string>{});
  fs::remove_all(dir_ / "run");

  // Killed after 2 images, the resume killed after 4, resumed again.
  pid = spawn_sambench(eval_args(false));
  ASSERT_TRUE(kill_when(pid, [&] { return lines_of(journal) >= 2; }));
  EXPECT_NE(read_file(dir_ / "run/run_state.json").find("\"running\""), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "run/per_instance.csv"));
  pid = spawn_sambench(eval_args(true));
  ASSERT_TRUE(kill_when(pid, [&] { return lines_of(journal) >= 4; }));
  r = run_sambench(eval_command(true));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "resuming: ")) << r.output;
  EXPECT_FALSE(contains(r.output, "resuming: 0 unit")) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), expected), std::vector<std::string>{});
}

TEST_F(ResumeTest, AChangedConfigIsRefusedAndTheRunKept) {
  auto r = run_sambench(eval_command(false));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string table = read_file(dir_ / "run/per_instance.csv");
  write_config("c.yaml", 20);
  r = run_sambench(eval_command(true));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "run_state.json: made with a different config")) << r.output;
  EXPECT_TRUE(contains(r.output, "refusing to resume")) << r.output;
  EXPECT_EQ(read_file(dir_ / "run/per_instance.csv"), table);
}

TEST_F(ResumeTest, AChangedPrecisionIsRefused) {
  auto r = run_sambench(eval_command(false));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_sambench(eval_command(true) + " --precision bf16");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "run_state.json: made with a different config")) << r.output;
}

TEST_F(ResumeTest, ResumeInAFreshFolderStartsTheRun) {
  auto r = run_sambench(eval_command(true));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(json::parse(read_file(dir_ / "run/run_state.json"))["status"], "complete");
  EXPECT_EQ(lines_of(dir_ / "run/journal.jsonl"), 6u);
}

TEST_F(ResumeTest, OnErrorSkipLeavesTheBadImageOutAndListsIt) {
  std::vector<fs::path> images;
  for (const auto& e : fs::directory_iterator(dir_ / "data/images")) images.push_back(e.path());
  std::sort(images.begin(), images.end());
  // In the middle: the units before it may still be scoring on the metric workers.
  const fs::path bad = images.at(2);
  std::string bytes = read_file(bad);
  write_text(bad, bytes.substr(0, bytes.size() / 2));  // truncated
  auto r = run_sambench(eval_command(false) + " --on-error skip --metric-workers 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto sequential = testing::files_of(dir_ / "run");
  fs::remove_all(dir_ / "run");
  r = run_sambench(eval_command(false) + " --on-error skip --metric-workers 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), sequential), std::vector<std::string>{});
  json summary = json::parse(read_file(dir_ / "run/summary.json"));
  EXPECT_EQ(summary["counts"]["images_skipped"], 1);
  EXPECT_EQ(summary["counts"]["images_done"], 5);
  ASSERT_EQ(summary["skipped"].size(), 1u);
  const std::string id = bad.stem().string();
  EXPECT_EQ(summary["skipped"][0]["case"], id);
  EXPECT_TRUE(contains(summary["skipped"][0]["error"].get<std::string>(), bad.filename().string()));
  EXPECT_FALSE(contains(read_file(dir_ / "run/per_instance.csv"), "\n" + id + ","));
  EXPECT_FALSE(fs::exists(dir_ / "run/predictions" / id));

  r = run_sambench(eval_command(false) + " --overwrite");  // the default: the run stops
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, bad.filename().string())) << r.output;
}

// A volume is resumed whole: killed in the middle of a case, the case is redone.
TEST(ResumeVolumes, KilledInsideACaseThenResumedGivesTheSameBytes) {
  testing::TempDir dir;
  for (const char* name : {"amos_0001", "amos_0002", "amos_0003"}) testing::write_ct_case(dir / "amos", name);
  write_text(dir / "c.yaml", "name: ct\ndataset: {adapter: amos, root: amos}\nmodel: {path: " +
                                 testing::small_model().string() + ", device: cpu}\n"
                                 "run: {output: run, threads: 1, save_predictions: true}\n");
  const std::string command = "eval --config '" + (dir / "c.yaml").string() + "'";
  auto r = run_sambench(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto expected = testing::files_of(dir / "run");
  fs::remove_all(dir / "run");

  pid_t pid = spawn_sambench({"eval", "--config", (dir / "c.yaml").string()});
  ASSERT_TRUE(kill_when(pid, [&] { return fs::exists(dir / "run/predictions/amos_0002/001/labels.png"); }));
  r = run_sambench(command + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir / "run"), expected), std::vector<std::string>{});
}

}  // namespace
}  // namespace sambench
