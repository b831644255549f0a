#include "sambench/base/file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

using testing::TempDir;

TEST(ReadFile, GivesEveryByte) {
  TempDir dir;
  const std::string bytes("a,b\r\n\0\xff end", 11);  // a NUL, a CR and a non-UTF-8 byte
  testing::write_text(dir / "data.bin", bytes);
  EXPECT_EQ(read_file(dir / "data.bin"), bytes);
  testing::write_text(dir / "empty.txt", "");
  EXPECT_EQ(read_file(dir / "empty.txt"), "");
}

TEST(ReadFile, MissingFileIsAnErrorNamingTheFile) {
  TempDir dir;
  const auto missing = dir / "nope" / "summary.json";
  const std::string error = testing::error_of([&] { read_file(missing); });
  EXPECT_TRUE(testing::contains(error, missing.string() + ": cannot read")) << error;
}

TEST(WriteFileAtomic, WritesWholeFileAndLeavesNoTemporary) {
  TempDir dir;
  write_file_atomic(dir / "out.csv", "a,b\n1,2\n");
  EXPECT_EQ(read_file(dir / "out.csv"), "a,b\n1,2\n");
  write_file_atomic(dir / "out.csv", "new\n");
  EXPECT_EQ(read_file(dir / "out.csv"), "new\n");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomic, UnwritablePlaceIsAnErrorNamingTheFile) {
  TempDir dir;
  auto target = dir / "missing_folder" / "out.csv";
  try {
    write_file_atomic(target, "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos);
  }
}

TEST(RemoveInterruptedWrites, RemovesOnlyTheTemporariesOfAtomicWrites) {
  TempDir dir;
  std::filesystem::create_directories(dir / "predictions/demo_002");
  for (const char* name : {"per_instance.csv", "predictions/demo_002/disk_1.png",
                           "predictions/demo_002/disk_1.png.tmp.18350", "summary.json.tmp.7",
                           "summary.json.tmp.7.0c1d2e3f4a5b", "notes.tmp.txt", "data.tmp.", "scan.tmp.12a",
                           "scan.tmp.x.12ab", "plan.tmp.12.XY"}) {
    testing::write_text(dir / name, "x");
  }
  remove_interrupted_writes(dir.path());
  std::set<std::string> left;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (e.is_regular_file()) left.insert(std::filesystem::relative(e.path(), dir.path()).string());
  }
  EXPECT_EQ(left, (std::set<std::string>{"per_instance.csv", "predictions/demo_002/disk_1.png", "notes.tmp.txt",
                                         "data.tmp.", "scan.tmp.12a", "scan.tmp.x.12ab", "plan.tmp.12.XY"}));
}

// Security finding 1: the temporary name was "<name>.tmp.<pid>", opened without O_EXCL, so a
// symlink planted there made the write land in the link's target.
TEST(WriteFileAtomic, NeverWritesThroughAPlantedSymlink) {
  TempDir dir;
  testing::write_text(dir / "victim", "precious\n");
  const auto target = dir / "summary.json";
  auto planted = target;
  planted += ".tmp." + std::to_string(::getpid());
  std::filesystem::create_symlink(dir / "victim", planted);
  std::filesystem::create_symlink(dir / "victim", target);  // the final name is replaced, not followed
  write_file_atomic(target, "{}\n");
  EXPECT_EQ(read_file(dir / "victim"), "precious\n");
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(target)));
  EXPECT_EQ(read_file(target), "{}\n");
}

TEST(ReadRegularFile, RefusesSymlinksFifosDevicesAndOversizedFiles) {
  TempDir dir;
  testing::write_text(dir / "entry", "12345");
  EXPECT_EQ(read_regular_file(dir / "entry", 5), "12345");
  EXPECT_TRUE(testing::contains(testing::error_of([&] { read_regular_file(dir / "entry", 4); }), "over the limit of 4"));
  std::filesystem::create_symlink("/dev/zero", dir / "zero");
  EXPECT_TRUE(testing::contains(testing::error_of([&] { read_regular_file(dir / "zero", 1 << 20); }), "symlink"));
  EXPECT_TRUE(testing::contains(testing::error_of([&] { read_regular_file("/dev/zero", 1 << 20); }), "not a regular file"));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  // A FIFO nobody writes to must not hang the reader.
  const std::string error = testing::error_of([&] { read_regular_file(dir / "fifo", 1 << 20); });
  EXPECT_TRUE(testing::contains(error, (dir / "fifo").string() + ": is not a regular file")) << error;
}

}  // namespace
}  // namespace sambench
