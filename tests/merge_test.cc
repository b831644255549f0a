// Sharding: eval --shard i/N runs merged by `sambench merge` give the unsharded run's bytes, and
// a volume stays in one shard.

#include "sambench/run/merge.h"

#include <sys/stat.h>

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/run_folders.h"
#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"
#include "sambench/report/csv.h"
#include "sambench/run/journal.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::run_sambench;
using testing::write_text;

class MergeTest : public ::testing::Test {
 protected:
  void write_config(const std::string& dataset) {
    write_text(dir_ / "c.yaml", "name: shards\ndataset: " + dataset + "\nmodel: {path: " +
                                    testing::small_model().string() + ", device: cpu}\n"
                                    "instances: {min_area: 10}\n"
                                    "run: {output: run, threads: 1, save_predictions: true}\n");
  }

  testing::CommandResult eval(const std::string& extra) {
    return run_sambench("eval --config '" + (dir_ / "c.yaml").string() + "' " + extra);
  }

  // Runs shards 0..n-1 of n into shard<i>/, then the unsharded run into run/, whose files are
  // returned before it is moved away for the merge to write run/ again.
  testing::FolderFiles run_shards_then_whole(int n) {
    for (int i = 0; i < n; ++i) {
      auto r = eval("--shard " + std::to_string(i) + "/" + std::to_string(n) + " --output '" +
                    (dir_ / ("shard" + std::to_string(i))).string() + "'");
      EXPECT_EQ(r.exit_code, 0) << r.output;
    }
    auto r = eval("");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto files = testing::files_of(dir_ / "run");
    fs::rename(dir_ / "run", dir_ / "whole");
    return files;
  }

  std::string shard_dirs(int n) const {
    std::string out;
    for (int i = 0; i < n; ++i) out += " '" + (dir_ / ("shard" + std::to_string(i))).string() + "'";
    return out;
  }

  testing::CommandResult merge(const std::string& dirs) {
    return run_sambench("merge" + dirs + " -o '" + (dir_ / "run").string() + "'");
  }

  testing::TempDir dir_;
};

TEST_F(MergeTest, ThreeShardsMergeToTheUnshardedBytes) {
  make_demo_dataset(dir_ / "data", {7, 5});
  write_config("{adapter: folder, root: data, classes: {1: disk, 2: box, 3: crescent}}");
  const auto expected = run_shards_then_whole(3);
  EXPECT_GT(CsvTable::read(dir_ / "shard1/per_image.csv").rows(), 0u);
  auto r = merge(shard_dirs(3));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "7 image(s)")) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), expected), std::vector<std::string>{});
}

TEST_F(MergeTest, AVolumeStaysInOneShard) {
  for (const char* name : {"amos_0001", "amos_0002", "amos_0003"}) testing::write_ct_case(dir_ / "amos", name);
  write_config("{adapter: amos, root: amos}");
  const auto expected = run_shards_then_whole(2);
  auto cases = [&](const std::string& shard) {
    std::vector<std::string> ids = CsvTable::read(dir_ / shard / "per_case.csv").column("case");
    return std::set<std::string>(ids.begin(), ids.end());
  };
  EXPECT_EQ(cases("shard0"), (std::set<std::string>{"amos_0001", "amos_0003"}));
  EXPECT_EQ(cases("shard1"), (std::set<std::string>{"amos_0002"}));
  EXPECT_EQ(json::parse(read_file(dir_ / "shard0/summary.json"))["counts"]["images"], 8);  // 2 cases x 4 slices
  auto r = merge(shard_dirs(2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), expected), std::vector<std::string>{});
}

// A fundus image is listed twice, its disc then its cup, and the unsharded run encodes it once
// and reuses the embedding for the cup. Two shards take the discs and the cups apart, so each
// encodes every image it sees: the merge shows that the reused embedding gives the same bytes.
// One fundus image is one case (issue 15): its disc and cup stay in one shard, where the cup
// reuses the disc's embedding, and the merge gives the unsharded bytes.
TEST_F(MergeTest, AFundusImagesDiscAndCupStayInOneShard) {
  testing::write_fundus_case(dir_.path(), "Domain1", "a", 96, {44, 50});
  testing::write_fundus_case(dir_.path(), "Domain1", "b", 96, {52, 46});
  write_config("{adapter: fundus, root: Fundus, domains: [Domain1]}");
  const auto expected = run_shards_then_whole(2);
  auto reused = [&](const std::string& run) {
    return json::parse(read_file(dir_ / run / "timings.json"))["encodes_reused"].get<int>();
  };
  EXPECT_EQ(reused("whole"), 2);
  EXPECT_EQ(reused("shard0"), 1);
  EXPECT_EQ(reused("shard1"), 1);
  const std::string shard1 = read_file(dir_ / "shard1/per_instance.csv");
  EXPECT_TRUE(contains(shard1, "Domain1/test/b/disc,Domain1/test/b,")) << shard1;
  EXPECT_TRUE(contains(shard1, "Domain1/test/b/cup,Domain1/test/b,")) << shard1;
  EXPECT_FALSE(contains(shard1, "Domain1/test/a/")) << shard1;
  auto r = merge(shard_dirs(2));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::differing_files(testing::files_of(dir_ / "run"), expected), std::vector<std::string>{});
}

// Security finding 2: merge took the "saved" names of a shard's journal as they were, so a name
// with ".." or a symlink in the shard made it read and write outside both folders.
TEST_F(MergeTest, JournalNamesThatLeaveTheFoldersAreRefused) {
  make_demo_dataset(dir_ / "data", {3, 5});
  write_config("{adapter: folder, root: data, classes: {1: disk, 2: box, 3: crescent}}");
  for (int i = 0; i < 2; ++i) {
    auto r = eval("--shard " + std::to_string(i) + "/2 --output '" + (dir_ / ("shard" + std::to_string(i))).string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::string journal = read_file(dir_ / "shard1/journal.jsonl");
  // Adds `name` to the first record's saved files, with a valid checksum: whoever hands over a
  // shard can recompute it, so the names must be checked on their own.
  auto plant = [&](const std::string& name) {
    const size_t end = journal.find('\n');
    json record = parse_journal_line(journal.substr(0, end));
    record["saved"].push_back(name);
    write_text(dir_ / "shard1/journal.jsonl", journal_line(record) + journal.substr(end));
  };
  write_text(dir_ / "attacker/payload.png", "attacker content");
  fs::create_directories(dir_ / "deep");
  auto merge_deep = [&] { return run_sambench("merge" + shard_dirs(2) + " -o '" + (dir_ / "deep/run").string() + "'"); };

  plant("predictions/../../attacker/payload.png");
  auto r = merge_deep();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard1/journal.jsonl: the file name 'predictions/../../attacker/payload.png' leaves"))
      << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "deep/attacker"));  // where the old code wrote it
  EXPECT_FALSE(fs::exists(dir_ / "deep/run"));  // refused before the output was started

  fs::create_directory_symlink(dir_ / "attacker", dir_ / "shard1/predictions/link");
  plant("predictions/link/payload.png");
  r = merge_deep();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "goes through the symlink")) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "deep/run/predictions/link/payload.png"));

  plant("/etc/hostname");
  r = merge_deep();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "is an absolute path")) << r.output;
}

TEST_F(MergeTest, MissingForeignOrUnfinishedShardsAreRefused) {
  make_demo_dataset(dir_ / "data", {3, 5});
  write_config("{adapter: folder, root: data, classes: {1: disk, 2: box, 3: crescent}}");
  for (int i = 0; i < 2; ++i) {
    auto r = eval("--shard " + std::to_string(i) + "/2 --output '" + (dir_ / ("shard" + std::to_string(i))).string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto r = merge(" '" + (dir_ / "shard0").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard(s) 1/2 missing")) << r.output;

  r = merge(" '" + (dir_ / "shard0").string() + "' '" + (dir_ / "shard0").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard 0/2 is given twice")) << r.output;

  // A complete shard whose journal lost its lines (or the whole file) since: named, not blamed
  // on the dataset.
  const std::string journal = read_file(dir_ / "shard1/journal.jsonl");
  write_text(dir_ / "shard1/journal.jsonl", "");
  r = merge(shard_dirs(2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard1/journal.jsonl: holds no record of unit 1")) << r.output;
  EXPECT_TRUE(contains(r.output, "rerun shard 1/2 with eval --resume")) << r.output;
  EXPECT_FALSE(contains(r.output, "dataset changed")) << r.output;
  fs::remove(dir_ / "shard1/journal.jsonl");
  r = merge(shard_dirs(2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard1/journal.jsonl: missing, though the shard says it is complete")) << r.output;
  // A FIFO planted as the journal or the state file: one line, not a merge that waits forever.
  ASSERT_EQ(::mkfifo((dir_ / "shard1/journal.jsonl").c_str(), 0600), 0);
  r = merge(shard_dirs(2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard1/journal.jsonl: is not a regular file")) << r.output;
  fs::remove(dir_ / "shard1/journal.jsonl");
  write_text(dir_ / "shard1/journal.jsonl", journal);

  std::string state = read_file(dir_ / "shard1/run_state.json");
  write_text(dir_ / "shard1/run_state.json", std::string(state).replace(state.find("\"complete\""), 10, "\"running\""));
  r = merge(shard_dirs(2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard1/run_state.json: the shard is not complete")) << r.output;
  write_text(dir_ / "shard1/run_state.json", state);

  // Issue 15: a merge that fails while copying (a full disk; here a saved mask that a folder
  // replaced) said "running" for ever; both state files say "failed", naming the file.
  const std::string saved = parse_journal_line(journal.substr(0, journal.find('\n')))["saved"][0];
  const std::string mask = read_file(dir_ / "shard1" / saved);
  fs::remove(dir_ / "shard1" / saved);
  fs::create_directory(dir_ / "shard1" / saved);
  r = merge(shard_dirs(2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, saved + ": is not a regular file")) << r.output;
  EXPECT_EQ(read_state(dir_ / "run")["status"], "failed");
  EXPECT_TRUE(contains(read_file(dir_ / "run/summary.json"), "\"status\": \"failed\"")) << read_file(dir_ / "run/summary.json");
  fs::remove(dir_ / "shard1" / saved);
  write_text(dir_ / "shard1" / saved, mask);

  // Shard 1 made with another config.
  write_text(dir_ / "c.yaml", read_file(dir_ / "c.yaml") + "prompt_seed: 7\n");
  ASSERT_EQ(eval("--shard 1/2 --overwrite --output '" + (dir_ / "shard1").string() + "'").exit_code, 0);
  r = merge(shard_dirs(2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "shard1/run_state.json: made with a different config")) << r.output;
  EXPECT_TRUE(contains(r.output, "refusing to merge")) << r.output;
}

}  // namespace
}  // namespace sambench
