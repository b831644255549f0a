#include "sambench/model/embedding_cache.h"

#include <fstream>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;

const std::string kModel(64, 'a');

cv::Mat image(int seed) {
  cv::Mat rgb(12, 9, CV_8UC3);
  cv::randu(rgb, seed, 255);
  return rgb;
}

std::vector<float> values(int channels, int size) {
  std::vector<float> v(static_cast<size_t>(channels) * size * size);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25f * static_cast<float>(i) - 3.0f;
  return v;
}

// Changes one byte of a file in place.
void flip_byte(const fs::path& file, std::streamoff at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(EmbeddingDiskCache, StoredValuesComeBackExactly) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "cache", kModel, 4, 3);
  const std::string key = cache.key(image(1));
  EXPECT_FALSE(cache.load(key));
  cache.store(key, values(4, 3));
  auto loaded = cache.load(key);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, values(4, 3));
  EXPECT_EQ(cache.stats()["hits"], 1);
  EXPECT_EQ(cache.stats()["misses"], 1);
}

TEST(EmbeddingDiskCache, KeyDependsOnPixelsAndModel) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "a", kModel, 4, 3);
  EmbeddingDiskCache other_model(dir / "b", std::string(64, 'b'), 4, 3);
  cv::Mat a = image(1), b = a.clone();
  b.at<cv::Vec3b>(5, 5)[1] ^= 1;
  EXPECT_EQ(cache.key(a), cache.key(a.clone()));
  EXPECT_NE(cache.key(a), cache.key(b));
  EXPECT_NE(cache.key(a), other_model.key(a));
  EXPECT_EQ(cache.key(a).size(), 64u);
}

TEST(EmbeddingDiskCache, EachPrecisionHasItsOwnEntries) {
  testing::TempDir dir;
  EmbeddingDiskCache fp32(dir / "cache", kModel, 4, 3, "fp32");
  EmbeddingDiskCache bf16(dir / "cache", kModel, 4, 3, "bf16");
  EmbeddingDiskCache fp16(dir / "cache", kModel, 4, 3, "fp16");
  const cv::Mat a = image(1);
  EXPECT_NE(fp32.key(a), bf16.key(a));
  EXPECT_NE(bf16.key(a), fp16.key(a));
  // fp32 keeps the keys of caches made before the precision was an option.
  EXPECT_EQ(fp32.key(a), EmbeddingDiskCache(dir / "cache", kModel, 4, 3).key(a));

  fp32.store(fp32.key(a), values(4, 3));
  EXPECT_FALSE(bf16.load(bf16.key(a)));  // a miss, not another precision's values
  EXPECT_EQ(bf16.stats()["misses"], 1);
  EXPECT_EQ(bf16.stats()["rejected"], 0);
  std::vector<float> other = values(4, 3);
  other[0] += 1.0f;
  bf16.store(bf16.key(a), other);
  EXPECT_EQ(*fp32.load(fp32.key(a)), values(4, 3));
  EXPECT_EQ(*bf16.load(bf16.key(a)), other);
}

TEST(EmbeddingDiskCache, CorruptEntryIsRejected) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "cache", kModel, 4, 3);
  const std::string key = cache.key(image(2));
  cache.store(key, values(4, 3));
  flip_byte(cache.path(key), 120);  // inside the values
  EXPECT_FALSE(cache.load(key));
  EXPECT_EQ(cache.stats()["rejected"], 1);
  cache.store(key, values(4, 3));  // recomputed and written again
  EXPECT_TRUE(cache.load(key));
}

TEST(EmbeddingDiskCache, TruncatedOrForeignEntriesAreRejected) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "cache", kModel, 4, 3);
  const std::string key = cache.key(image(3));
  cache.store(key, values(4, 3));
  fs::resize_file(cache.path(key), fs::file_size(cache.path(key)) - 10);
  EXPECT_FALSE(cache.load(key));

  // A valid entry of another shape, under this key's name.
  EmbeddingDiskCache wider(dir / "cache", kModel, 5, 3);
  wider.store(key, values(5, 3));
  EXPECT_FALSE(cache.load(key));
  // A valid entry of another key, copied to this key's name.
  const std::string other = cache.key(image(4));
  cache.store(other, values(4, 3));
  fs::copy_file(cache.path(other), cache.path(key), fs::copy_options::overwrite_existing);
  EXPECT_FALSE(cache.load(key));
  EXPECT_EQ(cache.stats()["rejected"], 3);
}

}  // namespace
}  // namespace sambench
