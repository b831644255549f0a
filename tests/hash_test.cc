#include "sambench/base/hash.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

TEST(Sha256File, KnownDigests) {
  testing::TempDir dir;
  testing::write_text(dir / "abc", "abc");
  EXPECT_EQ(sha256_file(dir / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  testing::write_text(dir / "empty", "");
  EXPECT_EQ(sha256_file(dir / "empty"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, PiecesHashLikeTheirConcatenation) {
  EXPECT_EQ(Sha256().update("a").update("bc").hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256File, MissingFileIsAnError) {
  EXPECT_THROW(sha256_file("/nonexistent/model.pt"), Error);
}

TEST(Sha256File, AFileLargerThanTheBufferHashesWhole) {
  testing::TempDir dir;
  std::string bytes(3 * (1 << 20) + 17, 'x');
  for (size_t i = 0; i < bytes.size(); i += 4099) bytes[i] = static_cast<char>(i % 251);
  testing::write_text(dir / "big", bytes);
  EXPECT_EQ(sha256_file(dir / "big"), Sha256().update(bytes).hex());
}

// The error's one line names the file and the reason.
void expect_error(const std::filesystem::path& file, const std::string& reason) {
  try {
    const std::string hash = sha256_file(file);
    ADD_FAILURE() << file << " hashed as " << hash;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// A folder opens for reading and then fails every read: the error says it is a folder.
TEST(Sha256File, AFolderIsAnErrorSayingSo) {
  testing::TempDir dir;
  expect_error(dir.path(), "is a folder");
}

// The stream's open waited for a writer forever.
TEST(Sha256File, AFifoIsRefusedWithoutWaiting) {
  testing::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  expect_error(dir / "pipe", "not a regular file");
}

// The stream read hashed /dev/zero until it was killed.
TEST(Sha256File, ADeviceIsRefusedNotReadForever) {
  if (!std::filesystem::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero on this system";
  expect_error("/dev/zero", "not a regular file");
}

// Root reads a file whatever its mode (and CI runs as root), so there the check runs in a child
// process that has become an unprivileged user first.
TEST(Sha256File, AnUnreadableFileIsAnError) {
  testing::TempDir dir;
  testing::write_text(dir / "secret", "abc");
  std::filesystem::permissions(dir / "secret", std::filesystem::perms::none);
  if (::geteuid() != 0) {
    expect_error(dir / "secret", "cannot open for hashing");
    return;
  }
  namespace fs = std::filesystem;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
  const uid_t nobody = 65534;
  EXPECT_EXIT(
      {
        if (::setgid(nobody) != 0 || ::setuid(nobody) != 0) std::_Exit(2);
        expect_error(dir / "secret", "cannot open for hashing");
        std::_Exit(::testing::Test::HasFailure() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

// A regular file whose read() fails: Linux's /proc/self/mem at offset 0 (never mapped) gives EIO.
// The stream read said only "read error", not which.
TEST(Sha256File, AFailedReadIsAnErrorWithItsReason) {
  const std::filesystem::path mem = "/proc/self/mem";
  if (!std::filesystem::exists(mem)) GTEST_SKIP() << "no /proc on this system";
  expect_error(mem, "read error while hashing: ");
}

}  // namespace
}  // namespace sambench
