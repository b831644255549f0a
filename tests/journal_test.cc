#include "sambench/run/journal.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::contains;
using testing::error_of;
using testing::write_text;

TEST(Journal, RecordsReadBackByUnitTheLastOneWinning) {
  testing::TempDir dir;
  {
    JournalWriter w(dir / "j.jsonl");
    w.append({{"unit", 0}, {"key", "a"}});
    w.append({{"unit", 2}, {"key", "c"}, {"skipped", "bad"}});
  }
  {
    JournalWriter w(dir / "j.jsonl");  // reopened: appends
    w.append({{"unit", 2}, {"key", "c"}});
  }
  auto records = read_journal(dir / "j.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["key"], "a");
  EXPECT_FALSE(records[2].contains("skipped"));
  EXPECT_TRUE(read_journal(dir / "absent.jsonl").empty());
}

TEST(Journal, ATornLastLineIsIgnoredThenCutOnReopening) {
  testing::TempDir dir;
  const std::string first = journal_line({{"unit", 0}, {"key", "a"}});
  write_text(dir / "j.jsonl", first + "\n{\"unit\":1,\"ke");
  EXPECT_EQ(read_journal(dir / "j.jsonl").size(), 1u);
  {
    JournalWriter w(dir / "j.jsonl");
    w.append({{"unit", 1}, {"key", "b"}});
  }
  EXPECT_EQ(read_file(dir / "j.jsonl"), first + "\n" + journal_line({{"unit", 1}, {"key", "b"}}) + "\n");
}

TEST(Journal, ADamagedCompleteLineIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  write_text(dir / "j.jsonl", journal_line({{"unit", 0}}) + "\nnot json\n" + journal_line({{"unit", 2}}) + "\n");
  std::string error = error_of([&] { read_journal(dir / "j.jsonl"); });
  EXPECT_TRUE(contains(error, "j.jsonl")) << error;
  EXPECT_TRUE(contains(error, "line 2 is damaged")) << error;
}

// Issue 15, defect 14: one flipped digit in a row (still valid JSON) was trusted by --resume.
TEST(Journal, EachLineCarriesAChecksumAndAFlippedDigitIsNeverTrusted) {
  testing::TempDir dir;
  const std::string good = journal_line({{"unit", 0}, {"results", {{{"dice", 0.087788}}}}});
  EXPECT_TRUE(contains(good, "\"sha256\":\"")) << good;
  std::string flipped = good;
  flipped.replace(flipped.find("0.087788"), 8, "0.097788");
  ASSERT_NO_THROW(json::parse(flipped));  // still valid JSON: only the checksum tells
  write_text(dir / "j.jsonl", flipped + "\n" + journal_line({{"unit", 1}}) + "\n");

  std::string error = error_of([&] { read_journal(dir / "j.jsonl"); });  // merge: refused
  EXPECT_TRUE(contains(error, "j.jsonl: line 1 is damaged: it does not match its checksum")) << error;

  int damaged = 0;  // resume: the line is dropped, its unit computed again
  auto records = read_journal(dir / "j.jsonl", DamagedLine::kRecompute, &damaged);
  EXPECT_EQ(damaged, 1);
  EXPECT_EQ(records.size(), 1u);
  EXPECT_TRUE(records.count(1));
  EXPECT_FALSE(records[1].contains("sha256"));  // the checksum is the line's, not the record's

  write_text(dir / "old.jsonl", "{\"unit\":0}\n");  // no checksum: not trusted either
  EXPECT_TRUE(contains(error_of([&] { read_journal(dir / "old.jsonl"); }), "it has no checksum"));
}

TEST(Journal, StateRoundTripsAndAMissingStateNamesTheFile) {
  testing::TempDir dir;
  write_state(dir.path(), {{"status", "running"}});
  EXPECT_EQ(read_state(dir.path())["status"], "running");
  EXPECT_TRUE(contains(error_of([&] { read_state(dir / "none"); }), "run_state.json: not found"));
}

// Issue 15, defect 20: a refused resume named two hashes; it names the keys that differ.
TEST(Journal, ARefusedResumeNamesTheConfigKeysThatDiffer) {
  json then = {{"config_sha256", "c1"}, {"config", {{"run", {{"threads", 1}, {"limit", 0}}}, {"name", "x"}}}};
  json now = then;
  now["config_sha256"] = "c2";
  now["config"]["run"]["threads"] = 2;
  std::string error = error_of([&] { check_same_setup(now, then, "s.json", "resume"); });
  EXPECT_TRUE(contains(error, "different config (run.threads 1 -> 2, then -> now)")) << error;
  EXPECT_FALSE(contains(error, "c1")) << error;
}

TEST(Journal, AnEmptyStateSaysSoInOneLine) {
  testing::TempDir dir;
  write_text(dir / "run_state.json", "");
  std::string error = error_of([&] { read_state(dir.path()); });
  EXPECT_TRUE(contains(error, "run_state.json: is empty")) << error;
  EXPECT_FALSE(contains(error, "parse error")) << error;
}

TEST(Journal, ADifferentConfigCodeOrModelIsRefused) {
  json a = {{"config_sha256", "c1"}, {"sambench", {{"version", "1"}, {"git_commit", "g"}}}, {"model_sha256", "m1"}};
  EXPECT_EQ(error_of([&] { check_same_setup(a, a, "s.json", "resume"); }), "(no error)");
  json b = a;
  b["config_sha256"] = "c2";
  std::string error = error_of([&] { check_same_setup(a, b, "s.json", "resume"); });
  EXPECT_TRUE(contains(error, "s.json: made with a different config")) << error;
  EXPECT_TRUE(contains(error, "refusing to resume")) << error;
  b = a;
  b["sambench"]["git_commit"] = "h";
  EXPECT_TRUE(contains(error_of([&] { check_same_setup(a, b, "s.json", "merge"); }), "different sambench version"));
  b = a;
  b["model_sha256"] = "m2";
  EXPECT_TRUE(contains(error_of([&] { check_same_setup(a, b, "s.json", "merge"); }), "different model"));
}

// Security: the state files were read with a plain read, so a FIFO planted as a shard's journal
// made merge (or resume) wait forever, and a link to /dev/zero was read until memory ran out.
// ctest's timeout is what catches a hang here.
TEST(Journal, AFifoOrDeviceAsAStateFileIsOneLineNeverAHang) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "journal.jsonl").c_str(), 0600), 0);
  std::string error = error_of([&] { read_journal(dir / "journal.jsonl"); });
  EXPECT_EQ(error, (dir / "journal.jsonl").string() +
                       ": is not a regular file (a FIFO, device or folder); refusing to read it");
  error = error_of([&] { JournalWriter writer(dir / "journal.jsonl"); });
  EXPECT_TRUE(contains(error, "journal.jsonl: is a FIFO, not a regular file")) << error;
  ASSERT_EQ(::mkfifo((dir / "run_state.json").c_str(), 0600), 0);
  error = error_of([&] { read_state(dir.path()); });
  EXPECT_TRUE(contains(error, "run_state.json: is not a regular file")) << error;

  testing::TempDir other;
  fs::create_symlink("/dev/zero", other / "journal.jsonl");
  fs::create_symlink("/dev/zero", other / "run_state.json");
  EXPECT_TRUE(contains(error_of([&] { read_journal(other / "journal.jsonl"); }), "is a symlink; refusing to follow it"));
  EXPECT_TRUE(contains(error_of([&] { read_state(other.path()); }), "is a symlink; refusing to follow it"));
  // A dangling link is a link, not a missing journal.
  fs::create_symlink(other / "absent", other / "dangling.jsonl");
  EXPECT_TRUE(contains(error_of([&] { read_journal(other / "dangling.jsonl"); }), "is a symlink"));
}

TEST(Journal, AFullDiskIsAnErrorNamingTheJournal) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "/dev/full is absent";
  // /dev/full fails every write with ENOSPC, as a full disk does.
  JournalWriter w("/dev/full");
  std::string error = error_of([&] { w.append({{"unit", 0}}); });
  EXPECT_TRUE(contains(error, "/dev/full: cannot write: No space left on device")) << error;
}

}  // namespace
}  // namespace sambench
