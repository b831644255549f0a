// What a run does to its folder and when it is told to stop, through the command a user runs
// (issue 15): SIGTERM and SIGHUP end a run "interrupted" and resumable (defect 17); a second
// run into a busy folder is refused (8); a finished run is not replaced without --overwrite,
// and a user's files in the folder survive it (7); a flipped digit in the journal is recomputed,
// not trusted (14); summary.json and run_state.json agree when the final write fails (18).

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/run_folders.h"
#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/run/journal.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::run_sambench;
using testing::lines_of;
using testing::spawn_sambench;
using testing::wait_until;
using testing::write_text;

std::string status_in(const fs::path& file) { return json::parse(read_file(file)).value("status", ""); }

class RunGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_demo_dataset(dir_ / "data", {8, 3});
    write_text(dir_ / "c.yaml",
               "name: guard\n"
               "dataset:\n  adapter: folder\n  root: data\n  classes: {1: disk, 2: box, 3: crescent}\n"
               "model:\n  path: " + testing::small_model().string() + "\n  device: cpu\n"
               "instances: {min_area: 10}\n"
               "run: {output: run, threads: 1, save_predictions: true}\n");
  }

  std::vector<std::string> eval_args() const { return {"eval", "--config", (dir_ / "c.yaml").string()}; }
  testing::CommandResult eval(const std::string& extra = "") {
    return run_sambench("eval --config '" + (dir_ / "c.yaml").string() + "' " + extra);
  }

  // The uninterrupted run's files; its folder is then moved away.
  testing::FolderFiles reference() {
    auto r = eval();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto files = testing::files_of(dir_ / "run");
    fs::remove_all(dir_ / "run");
    return files;
  }

  // Stops a run with `signal_number` once it has journaled 2 units; the process's exit status.
  int stop_with(int signal_number) {
    pid_t pid = spawn_sambench(eval_args(), dir_ / "log.txt");
    EXPECT_TRUE(wait_until(pid, [&] { return lines_of(dir_ / "run/journal.jsonl") >= 2; }));
    kill(pid, signal_number);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
  }

  testing::TempDir dir_;
};

TEST_F(RunGuardTest, SigtermAndSighupEndTheRunInterruptedAndResumable) {
  const auto expected = reference();
  for (int signal_number : {SIGTERM, SIGHUP}) {
    SCOPED_TRACE(signal_number);
    const int status = stop_with(signal_number);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal, not ended by sambench";
    EXPECT_EQ(WEXITSTATUS(status), 128 + signal_number);
    const std::string log = read_file(dir_ / "log.txt");
    EXPECT_TRUE(contains(log, "interrupted by SIG")) << log;
    EXPECT_TRUE(contains(log, "continue with: sambench eval --config")) << log;
    EXPECT_TRUE(contains(log, " --resume")) << log;
    EXPECT_EQ(status_in(dir_ / "run/run_state.json"), "interrupted");
    EXPECT_EQ(status_in(dir_ / "run/summary.json"), "interrupted");
    EXPECT_TRUE(fs::exists(dir_ / "run/per_instance.partial.csv"));
    EXPECT_FALSE(fs::exists(dir_ / "run/run.lock"));
    auto r = eval("--resume");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_FALSE(contains(r.output, "resuming: 0 unit")) << r.output;
    EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), expected), std::vector<std::string>{});
    fs::remove_all(dir_ / "run");
  }
}

TEST_F(RunGuardTest, ASecondRunIntoABusyFolderIsRefusedNamingTheHolder) {
  pid_t pid = spawn_sambench(eval_args(), dir_ / "log.txt");
  ASSERT_TRUE(wait_until(pid, [&] { return fs::exists(dir_ / "run/run_state.json"); }));
  auto r = eval("--overwrite");  // even told to replace the run: not while it runs
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "is in use by another sambench run (pid " + std::to_string(pid) + " on host"))
      << r.output;
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(dir_ / "log.txt");
  EXPECT_EQ(status_in(dir_ / "run/summary.json"), "complete");
}

TEST_F(RunGuardTest, AFinishedRunIsReplacedOnlyWithOverwriteAndTheUsersFilesStay) {
  auto r = eval();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string table = read_file(dir_ / "run/per_instance.csv");
  r = eval();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "run: holds a complete run: give --overwrite to replace it")) << r.output;
  EXPECT_EQ(read_file(dir_ / "run/per_instance.csv"), table);

  write_text(dir_ / "run/figures/thesis_fig1.pdf", "the user's");
  write_text(dir_ / "run/predictions/notes.txt", "the user's");
  r = eval("--overwrite");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(dir_ / "run/figures/thesis_fig1.pdf"), "the user's");
  EXPECT_EQ(read_file(dir_ / "run/predictions/notes.txt"), "the user's");
  EXPECT_EQ(read_file(dir_ / "run/per_instance.csv"), table);
  EXPECT_TRUE(contains(read_file(dir_ / "run/manifest.txt"), "per_instance.csv\n"));

  r = eval("--output / --overwrite");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "sambench: error: /: is the root folder")) << r.output;
}

// A flipped digit in a journaled row (still valid JSON) was trusted by --resume.
TEST_F(RunGuardTest, AFlippedDigitInTheJournalIsRecomputedOnResume) {
  const auto expected = reference();
  write_text(dir_ / "ref_journal.jsonl", expected.at("journal.jsonl"));
  auto r = eval();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string journal = read_file(dir_ / "run/journal.jsonl");
  // The first image row's Dice (a row's metrics are an array: dice first).
  const size_t found = journal.find("\"metrics\":[0.");
  ASSERT_NE(found, std::string::npos) << journal.substr(0, 300);
  const size_t at = found + 13;
  journal[at] = journal[at] == '9' ? '8' : static_cast<char>(journal[at] + 1);
  write_text(dir_ / "run/journal.jsonl", journal);
  r = eval("--resume");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "line 1 is damaged: it does not match its checksum")) << r.output;
  // The tables are the uninterrupted run's; the journal holds the same records, the recomputed
  // unit's last.
  const auto files = testing::files_of(dir_ / "run");
  for (const auto& name : testing::differing_files(files, expected)) EXPECT_EQ(name, "journal.jsonl");
  EXPECT_EQ(read_journal(dir_ / "run/journal.jsonl"), read_journal(dir_ / "ref_journal.jsonl"));
}

// A failure writing the final tables left summary.json "running" beside run_state.json.
TEST_F(RunGuardTest, AFailedFinalWriteLeavesSummaryAndStateAgreeing) {
  write_text(dir_ / "run/per_image.csv/blocker", "");  // a folder where a table goes: its write fails
  auto r = eval();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "per_image.csv: cannot write")) << r.output;
  EXPECT_EQ(status_in(dir_ / "run/run_state.json"), "failed");
  EXPECT_EQ(status_in(dir_ / "run/summary.json"), "failed");
  EXPECT_EQ(lines_of(dir_ / "run/journal.jsonl"), 8u);  // every unit kept for a resume
}

// A missing run_state.json silently restarted the run, discarding its journal.
TEST_F(RunGuardTest, AResumeWithoutRunStateKeepsTheJournalAndSaysSo) {
  auto r = eval();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::remove(dir_ / "run/run_state.json");
  const std::string journal = read_file(dir_ / "run/journal.jsonl");
  r = eval("--resume");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "run_state.json: is missing, but journal.jsonl is there")) << r.output;
  EXPECT_EQ(read_file(dir_ / "run/journal.jsonl"), journal);
  write_text(dir_ / "run/run_state.json", "");
  r = eval("--resume");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "run_state.json: is empty")) << r.output;
}

}  // namespace
}  // namespace sambench
