#include "sambench/base/hash.h"

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

}  // namespace
}  // namespace sambench
