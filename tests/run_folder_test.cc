// The run folder's guards (issue 15, defects 7 and 8; issue 21, findings 3 and 6): the lock that
// keeps a second run out, the refusals of / and $HOME and of folders holding something else,
// and the removal of an earlier run's files, which never touches what sambench did not write.

#include "run/run_folder.h"

#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "run/run_lock.h"
#include "sambench/base/file_io.h"
#include "sambench/base/manifest.h"
#include "sambench/run/journal.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;
using testing::write_text;

// $HOME set for the scope.
class HomeAt {
 public:
  explicit HomeAt(const fs::path& home) {
    if (const char* h = std::getenv("HOME")) old_ = h;
    setenv("HOME", home.c_str(), 1);
  }
  ~HomeAt() { setenv("HOME", old_.c_str(), 1); }

 private:
  std::string old_;
};

TEST(RunLock, ASecondHolderIsRefusedNamingThePidAndHost) {
  testing::TempDir dir;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  {
    RunLock first(dir.path());
    std::string error = error_of([&] { RunLock second(dir.path()); });
    EXPECT_TRUE(contains(error, dir.path().string() + ": is in use by another sambench run")) << error;
    EXPECT_TRUE(contains(error, "pid " + std::to_string(getpid()) + " on host " + host)) << error;
  }
  EXPECT_FALSE(fs::exists(dir / kLockFile));  // released and removed
  EXPECT_EQ(error_of([&] { RunLock again(dir.path()); }), "(no error)");
}

TEST(RunFolder, RootAndHomeAreRefused) {
  testing::TempDir dir;
  std::string error = error_of([&] { claim_run_folder("/", FolderUse::kOverwrite); });
  EXPECT_EQ(error, "/: is the root folder: a run needs a folder of its own (e.g. runs/NAME)");
  EXPECT_TRUE(contains(error_of([&] { claim_run_folder("/tmp/../", FolderUse::kOverwrite); }), "is the root folder"));
  HomeAt home(dir.path());
  error = error_of([&] { claim_run_folder(dir.path(), FolderUse::kOverwrite); });
  EXPECT_TRUE(contains(error, "is your home folder")) << error;
  EXPECT_TRUE(contains(error_of([&] { claim_run_folder("", FolderUse::kFresh); }), "output folder is empty"));
}

TEST(RunFolder, AFinishedOrForeignFolderIsRefusedWithoutOverwrite) {
  testing::TempDir dir;
  EXPECT_EQ(error_of([&] { claim_run_folder(dir / "new", FolderUse::kFresh); }), "(no error)");
  EXPECT_FALSE(fs::exists(dir / "new"));  // the claim made it, nothing was written: it is gone again

  fs::create_directories(dir / "new");
  write_state(dir / "new", {{"status", "complete"}});
  std::string error = error_of([&] { claim_run_folder(dir / "new", FolderUse::kFresh); });
  EXPECT_TRUE(contains(error, "holds a complete run: give --overwrite")) << error;
  write_state(dir / "new", {{"status", "interrupted"}});
  error = error_of([&] { claim_run_folder(dir / "new", FolderUse::kFresh); });
  EXPECT_TRUE(contains(error, "holds an unfinished run (status 'interrupted'): continue it with --resume")) << error;
  EXPECT_EQ(error_of([&] { claim_run_folder(dir / "new", FolderUse::kOverwrite); }), "(no error)");
  EXPECT_EQ(error_of([&] { claim_run_folder(dir / "new", FolderUse::kResume); }), "(no error)");

  write_text(dir / "thesis/chapter1.tex", "mine");
  error = error_of([&] { claim_run_folder(dir / "thesis", FolderUse::kFresh); });
  EXPECT_TRUE(contains(error, "holds files sambench did not write ('chapter1.tex')")) << error;
  error = error_of([&] { claim_run_folder(dir / "thesis", FolderUse::kResume); });
  EXPECT_TRUE(contains(error, "it is not a run folder; refusing to resume")) << error;
}

// Issue 15, defect 20: a journal without its state was silently restarted, the journal lost.
TEST(RunFolder, AJournalWithoutItsStateIsNeverDiscarded) {
  testing::TempDir dir;
  write_text(dir / "run/journal.jsonl", journal_line({{"unit", 0}}) + "\n");
  std::string error = error_of([&] { claim_run_folder(dir / "run", FolderUse::kResume); });
  EXPECT_TRUE(contains(error, "run_state.json: is missing, but journal.jsonl is there")) << error;
  error = error_of([&] { claim_run_folder(dir / "run", FolderUse::kFresh); });
  EXPECT_TRUE(contains(error, "journal.jsonl without its run_state.json")) << error;
  EXPECT_TRUE(fs::exists(dir / "run/journal.jsonl"));
}

// Issue 21, finding 6: a planted link made a resume write into its target.
TEST(RunFolder, AResumeThroughAPlantedLinkIsRefused) {
  testing::TempDir dir;
  fs::create_directories(dir / "run");
  write_state(dir / "run", {{"status", "interrupted"}});
  fs::create_directories(dir / "victim");
  fs::create_directories(dir / "run/predictions");
  fs::create_directory_symlink(dir / "victim", dir / "run/predictions/img1");
  std::string error = error_of([&] { claim_run_folder(dir / "run", FolderUse::kResume); });
  EXPECT_TRUE(contains(error, "predictions/img1: is a symbolic link")) << error;
  fs::remove(dir / "run/predictions/img1");
  write_text(dir / "victim.txt", "precious");
  fs::create_symlink(dir / "victim.txt", dir / "run/journal.jsonl");
  error = error_of([&] { claim_run_folder(dir / "run", FolderUse::kResume); });
  EXPECT_TRUE(contains(error, "journal.jsonl: is a symbolic link")) << error;
  EXPECT_EQ(read_file(dir / "victim.txt"), "precious");
}

// Issue 15, defect 7 and issue 21, finding 3: a new run deleted predictions/ and figures/ whole.
TEST(RunFolder, AnEarlierRunLosesOnlyTheFilesItsManifestAndJournalList) {
  testing::TempDir dir;
  const fs::path run = dir / "run";
  for (const char* f : {"per_instance.csv", "summary.json", "figures/dice_centroid.png",
                        "predictions/a/labels.png", "predictions/b/labels.png"}) {
    write_text(run / f, "sambench's");
  }
  write_manifest(run, {"per_instance.csv", "summary.json", "figures/dice_centroid.png"});
  write_text(run / kJournalFile, journal_line({{"unit", 0}, {"saved", {"predictions/a/labels.png"}}}) + "\n" +
                                     journal_line({{"unit", 1}, {"saved", {"predictions/../../outside"}}}) + "\n");
  write_text(dir / "outside", "not in the run");
  write_text(run / "figures/thesis_fig1.pdf", "the user's");
  write_text(run / "predictions/notes.txt", "the user's");
  remove_earlier_run(run, /*resume=*/false);
  EXPECT_FALSE(fs::exists(run / "per_instance.csv"));
  EXPECT_FALSE(fs::exists(run / "summary.json"));
  EXPECT_FALSE(fs::exists(run / "figures/dice_centroid.png"));
  EXPECT_FALSE(fs::exists(run / "predictions/a"));  // its file removed, then the empty folder
  EXPECT_FALSE(fs::exists(run / kJournalFile));
  EXPECT_TRUE(fs::exists(run / "predictions/b/labels.png"));  // listed nowhere: kept
  EXPECT_EQ(read_file(run / "figures/thesis_fig1.pdf"), "the user's");
  EXPECT_EQ(read_file(run / "predictions/notes.txt"), "the user's");
  EXPECT_EQ(read_file(dir / "outside"), "not in the run");
}

TEST(Manifest, OnlyPlainRelativePathsAreRemovedAndNeverThroughALink) {
  testing::TempDir dir;
  EXPECT_TRUE(is_plain_relative("predictions/a/labels.png"));
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/"}) {
    EXPECT_FALSE(is_plain_relative(bad)) << bad;
  }
  write_text(dir / "elsewhere/file.png", "keep");
  fs::create_directories(dir / "run");
  fs::create_directory_symlink(dir / "elsewhere", dir / "run/predictions");
  remove_listed_files(dir / "run", {"predictions/file.png", "/abs", "../elsewhere/file.png"});
  EXPECT_EQ(read_file(dir / "elsewhere/file.png"), "keep");
  write_manifest(dir / "run", {"b.csv", "a.csv", "b.csv"});
  EXPECT_EQ(read_file(dir / "run" / kManifestFile), "a.csv\nb.csv\nmanifest.txt\n");
  update_manifest(dir / "run", {"figures/x.png"}, "a");
  EXPECT_EQ(read_manifest(dir / "run"), (std::vector<std::string>{"b.csv", "figures/x.png", "manifest.txt"}));
}

}  // namespace
}  // namespace sambench
