#include "sambench/base/file_io.h"

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
                           "notes.tmp.txt", "data.tmp.", "scan.tmp.12a"}) {
    testing::write_text(dir / name, "x");
  }
  remove_interrupted_writes(dir.path());
  std::set<std::string> left;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (e.is_regular_file()) left.insert(std::filesystem::relative(e.path(), dir.path()).string());
  }
  EXPECT_EQ(left, (std::set<std::string>{"per_instance.csv", "predictions/demo_002/disk_1.png", "notes.tmp.txt",
                                         "data.tmp.", "scan.tmp.12a"}));
}

}  // namespace
}  // namespace sambench
