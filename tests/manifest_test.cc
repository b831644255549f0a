#include "sambench/base/manifest.h"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;

TEST(Manifest, AFolderWithoutOneListsNothing) {
  testing::TempDir dir;
  EXPECT_TRUE(read_manifest(dir.path()).empty());
}

// The manifest's one-line error names it and says what is there.
void expect_refused(const fs::path& dir, const std::string& reason) {
  try {
    const auto files = read_manifest(dir);
    ADD_FAILURE() << "read as " << files.size() << " files";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find((dir / kManifestFile).string()), std::string::npos) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// Each was read as "no files": the run went on and failed only when it wrote its own manifest.
TEST(Manifest, SomethingElseThanAFileThereIsAnErrorNamingIt) {
  testing::TempDir folder, fifo, link;
  fs::create_directory(folder / kManifestFile);
  expect_refused(folder.path(), "not a regular file");
  ASSERT_EQ(::mkfifo((fifo / kManifestFile).c_str(), 0600), 0);
  expect_refused(fifo.path(), "not a regular file");  // refused at once, never waiting for a writer
  testing::write_text(link / "elsewhere.txt", "a.csv\n");
  fs::create_symlink(link / "elsewhere.txt", link / kManifestFile);
  expect_refused(link.path(), "symlink");
}

}  // namespace
}  // namespace sambench
