// What a run does when its output cannot be written: a read-only folder and a full disk, each
// on a small tmpfs mounted for the test (it needs root, as in the development container; it
// skips otherwise). The error is one line naming the file and the reason, and the journal keeps
// the cases finished before.

#include <sys/mount.h>

#include <cstdio>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/demo_data.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::run_sambench;
using testing::write_text;

// A tmpfs at `dir` for the scope's duration.
class Tmpfs {
 public:
  Tmpfs(const fs::path& dir, const std::string& size, unsigned long flags) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", flags, ("size=" + size).c_str()) == 0;
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

// A journal's records, one JSON value per line; throws on a torn or garbled line.
std::vector<nlohmann::json> journal_records(const fs::path& file) {
  std::vector<nlohmann::json> records;
  std::istringstream journal(read_file(file));
  for (std::string line; std::getline(journal, line);) records.push_back(nlohmann::json::parse(line));
  return records;
}

class OutputErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_demo_dataset(dir_ / "data", {6, 2});
    write_text(dir_ / "c.yaml",
               "name: out\n"
               "dataset:\n  adapter: folder\n  root: data\n  classes: {1: disk, 2: box, 3: crescent}\n"
               "model:\n  path: " + testing::small_model().string() + "\n  device: cpu\n"
               "instances: {min_area: 10}\n"
               "run: {threads: 1, save_predictions: true}\n");
  }

  testing::CommandResult eval(const fs::path& output) {
    return run_sambench("eval --config '" + (dir_ / "c.yaml").string() + "' --output '" + output.string() + "'");
  }

  static std::string error_line(const std::string& output) {
    size_t at = output.find("sambench: error: ");
    return at == std::string::npos ? "" : output.substr(at, output.find('\n', at) - at);
  }

  testing::TempDir dir_;
};

TEST_F(OutputErrorsTest, AReadOnlyOutputFolderIsNamed) {
  Tmpfs ro(dir_ / "ro", "1m", MS_RDONLY);
  if (!ro.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
  auto r = eval(dir_ / "ro/run");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string line = error_line(r.output);
  EXPECT_TRUE(contains(line, (dir_ / "ro/run").string())) << r.output;
  EXPECT_TRUE(contains(line, "Read-only file system")) << r.output;
}

TEST_F(OutputErrorsTest, AnOutputPathUnderAFileIsNamed) {
  write_text(dir_ / "file", "");
  auto r = eval(dir_ / "file/run");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(error_line(r.output), (dir_ / "file/run").string() + ": cannot create output folder"))
      << r.output;
}

TEST_F(OutputErrorsTest, AFullDiskStopsTheRunNamingTheFileAndKeepsTheJournal) {
  Tmpfs small(dir_ / "small", "96k", 0);
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs (needs root)";
  auto r = eval(dir_ / "small/run");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string line = error_line(r.output);
  EXPECT_TRUE(contains(line, (dir_ / "small/run").string())) << r.output;
  EXPECT_TRUE(contains(line, "No space left on device")) << r.output;
  EXPECT_EQ(r.output.find("sambench: error: ", r.output.find("sambench: error: ") + 1), std::string::npos);
  // The cases finished before stay journaled, whole, for --resume once there is room: the first
  // units of the run (some, not all: the disk filled in between), each record what a run with
  // room journals for that unit, and the predictions it lists on the disk.
  ASSERT_TRUE(fs::exists(dir_ / "small/run/journal.jsonl"));
  std::vector<nlohmann::json> kept;
  ASSERT_NO_THROW(kept = journal_records(dir_ / "small/run/journal.jsonl"));
  auto roomy = eval(dir_ / "roomy");
  ASSERT_EQ(roomy.exit_code, 0) << roomy.output;
  const std::vector<nlohmann::json> all = journal_records(dir_ / "roomy/journal.jsonl");
  ASSERT_EQ(all.size(), 6u);  // one unit per demo image
  std::printf("journaled %zu of %zu units before the disk filled\n", kept.size(), all.size());
  ASSERT_GE(kept.size(), 1u) << "no unit journaled before the disk filled";
  ASSERT_LT(kept.size(), all.size()) << "the disk never filled";
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i], all[i]) << "record " << i;
    ASSERT_FALSE(kept[i]["saved"].empty()) << "record " << i;
    for (const auto& file : kept[i]["saved"]) {
      EXPECT_TRUE(fs::exists(dir_ / "small/run" / file.get<std::string>())) << file;
    }
  }
  // No file was left cut short and passed off as written: every listed prediction decodes.
  EXPECT_FALSE(fs::exists(dir_ / "small/run/per_instance.csv"));
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "small/run/predictions")) {
    if (e.path().extension() == ".png") {
      EXPECT_FALSE(cv::imread(e.path().string(), cv::IMREAD_UNCHANGED).empty()) << e.path();
    }
  }
}

}  // namespace
}  // namespace sambench
