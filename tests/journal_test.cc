#include "sambench/run/journal.h"

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
  write_text(dir / "j.jsonl", "{\"unit\":0,\"key\":\"a\"}\n{\"unit\":1,\"ke");
  EXPECT_EQ(read_journal(dir / "j.jsonl").size(), 1u);
  {
    JournalWriter w(dir / "j.jsonl");
    w.append({{"unit", 1}, {"key", "b"}});
  }
  EXPECT_EQ(read_file(dir / "j.jsonl"), "{\"unit\":0,\"key\":\"a\"}\n{\"key\":\"b\",\"unit\":1}\n");
}

TEST(Journal, ADamagedCompleteLineIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  write_text(dir / "j.jsonl", "{\"unit\":0}\nnot json\n{\"unit\":2}\n");
  std::string error = error_of([&] { read_journal(dir / "j.jsonl"); });
  EXPECT_TRUE(contains(error, "j.jsonl")) << error;
  EXPECT_TRUE(contains(error, "line 2 is damaged")) << error;
}

TEST(Journal, StateRoundTripsAndAMissingStateNamesTheFile) {
  testing::TempDir dir;
  write_state(dir.path(), {{"status", "running"}});
  EXPECT_EQ(read_state(dir.path())["status"], "running");
  EXPECT_TRUE(contains(error_of([&] { read_state(dir / "none"); }), "run_state.json: not found"));
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

TEST(Journal, AFullDiskIsAnErrorNamingTheJournal) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "/dev/full is absent";
  // /dev/full fails every write with ENOSPC, as a full disk does.
  JournalWriter w("/dev/full");
  std::string error = error_of([&] { w.append({{"unit", 0}}); });
  EXPECT_TRUE(contains(error, "/dev/full: cannot write: No space left on device")) << error;
}

}  // namespace
}  // namespace sambench
