// The fuzzers' kept inputs (tests/fuzz/<target>/: seeds and any crashers found) replayed through
// the same loaders: each is read or rejected with sambench::Error, nothing else.

#include <gtest/gtest.h>

#include "fuzz/fuzz_inputs.h"
#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;

void replay(const std::string& target, void (*load)(const uint8_t*, size_t)) {
  const fs::path dir = fs::path(SAMBENCH_SOURCE_DIR) / "tests/fuzz" / target;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string bytes = read_file(e.path());
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(load(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++files;
  }
  EXPECT_GT(files, 0) << "no inputs in " << dir;
}

TEST(FuzzCorpus, ImageInputs) { replay("image", fuzz::load_image); }
TEST(FuzzCorpus, VolumeInputs) { replay("volume", fuzz::load_volume); }
TEST(FuzzCorpus, ConfigInputs) { replay("config", fuzz::load_config_file); }

}  // namespace
}  // namespace sambench
