#include "sambench/model/embedding_cache.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;

const std::string kModel(64, 'a');

cv::Mat image(int seed) {
  cv::Mat rgb(12, 9, CV_8UC3);
  cv::randu(rgb, seed, 255);
  return rgb;
}

// One feature [channels, size, size] of distinct values.
EmbeddingValues values(int channels, int size) {
  FeatureValues f{{channels, size, size}, std::vector<float>(static_cast<size_t>(channels) * size * size)};
  for (size_t i = 0; i < f.values.size(); ++i) f.values[i] = 0.25f * static_cast<float>(i) - 3.0f;
  return {{f}};
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
  EmbeddingDiskCache cache(dir / "cache", kModel, {{4, 3, 3}});
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
  EmbeddingDiskCache cache(dir / "a", kModel, {{4, 3, 3}});
  EmbeddingDiskCache other_model(dir / "b", std::string(64, 'b'), {{4, 3, 3}});
  cv::Mat a = image(1), b = a.clone();
  b.at<cv::Vec3b>(5, 5)[1] ^= 1;
  EXPECT_EQ(cache.key(a), cache.key(a.clone()));
  EXPECT_NE(cache.key(a), cache.key(b));
  EXPECT_NE(cache.key(a), other_model.key(a));
  EXPECT_EQ(cache.key(a).size(), 64u);
}

TEST(EmbeddingDiskCache, EachPrecisionHasItsOwnEntries) {
  testing::TempDir dir;
  EmbeddingDiskCache fp32(dir / "cache", kModel, {{4, 3, 3}}, "fp32");
  EmbeddingDiskCache bf16(dir / "cache", kModel, {{4, 3, 3}}, "bf16");
  EmbeddingDiskCache fp16(dir / "cache", kModel, {{4, 3, 3}}, "fp16");
  const cv::Mat a = image(1);
  EXPECT_NE(fp32.key(a), bf16.key(a));
  EXPECT_NE(bf16.key(a), fp16.key(a));
  // fp32 keeps the keys of caches made before the precision was an option.
  EXPECT_EQ(fp32.key(a), EmbeddingDiskCache(dir / "cache", kModel, {{4, 3, 3}}).key(a));

  fp32.store(fp32.key(a), values(4, 3));
  EXPECT_FALSE(bf16.load(bf16.key(a)));  // a miss, not another precision's values
  EXPECT_EQ(bf16.stats()["misses"], 1);
  EXPECT_EQ(bf16.stats()["rejected"], 0);
  EmbeddingValues other = values(4, 3);
  other.features[0].values[0] += 1.0f;
  bf16.store(bf16.key(a), other);
  EXPECT_EQ(*fp32.load(fp32.key(a)), values(4, 3));
  EXPECT_EQ(*bf16.load(bf16.key(a)), other);
}

TEST(EmbeddingDiskCache, CorruptEntryIsRejected) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "cache", kModel, {{4, 3, 3}});
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
  EmbeddingDiskCache cache(dir / "cache", kModel, {{4, 3, 3}});
  const std::string key = cache.key(image(3));
  cache.store(key, values(4, 3));
  fs::resize_file(cache.path(key), fs::file_size(cache.path(key)) - 10);
  EXPECT_FALSE(cache.load(key));

  // A valid entry of another shape, under this key's name.
  EmbeddingDiskCache wider(dir / "cache", kModel, {{5, 3, 3}});
  wider.store(key, values(5, 3));
  EXPECT_FALSE(cache.load(key));
  // A valid entry of another key, copied to this key's name.
  const std::string other = cache.key(image(4));
  cache.store(other, values(4, 3));
  fs::copy_file(cache.path(other), cache.path(key), fs::copy_options::overwrite_existing);
  EXPECT_FALSE(cache.load(key));
  EXPECT_EQ(cache.stats()["rejected"], 3);
}

// SAM 2.1's embedding is three features: all are stored, and come back with their shapes.
TEST(EmbeddingDiskCache, SeveralFeaturesComeBackExactly) {
  testing::TempDir dir;
  const std::vector<FeatureShape> shapes = {{4, 3, 3}, {2, 6, 6}, {3, 2, 5}};
  EmbeddingDiskCache cache(dir / "cache", kModel, shapes);
  EmbeddingValues stored;
  float next = -7.0f;
  for (const FeatureShape& shape : shapes) {
    FeatureValues f{shape, std::vector<float>(shape.count())};
    for (float& v : f.values) v = (next += 0.5f);
    stored.features.push_back(f);
  }
  const std::string key = cache.key(image(1));
  cache.store(key, stored);
  auto loaded = cache.load(key);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, stored);
  // Header, the count and the three shapes, the values, the checksum.
  EXPECT_EQ(fs::file_size(cache.path(key)), 88u + 4 + 3 * 12 + (36 + 72 + 30) * 4 + 64);

  // One feature short, or in another order, is not this cache's embedding.
  EmbeddingValues short_one = stored;
  short_one.features.pop_back();
  EXPECT_TRUE(testing::contains(testing::error_of([&] { cache.store(key, short_one); }),
                                "embedding of features [4,3,3] [2,6,6] does not match the cache's [4,3,3] [2,6,6] [3,2,5]"));
  // Another model kind with the same value count: its entry under this key's name is refused.
  EmbeddingDiskCache swapped(dir / "cache", kModel, {{2, 6, 6}, {4, 3, 3}, {3, 2, 5}});
  // One image for both keys (image() draws from OpenCV's global generator: each call differs).
  const cv::Mat rgb = image(1);
  const std::string key_here = cache.key(rgb), key_swapped = swapped.key(rgb);
  EXPECT_NE(key_swapped, key_here);  // the shapes are part of a several-feature key
  cache.store(key_here, stored);
  fs::create_directories(swapped.path(key_swapped).parent_path());
  fs::copy_file(cache.path(key_here), swapped.path(key_swapped));
  EXPECT_FALSE(swapped.load(key_swapped));
  EXPECT_EQ(swapped.stats()["rejected"], 1);
}

// A one-feature model (SAM) keeps the key form and entries of caches made before features: no
// shapes in the key, the entry's first magic. (The literal changed once, on purpose, when the
// key took the model profile's preprocessing_key: caches of another pipeline must miss.)
TEST(EmbeddingDiskCache, OneFeatureKeysAndEntriesAreThoseOfEarlierCaches) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "cache", kModel, {{4, 3, 3}});
  const cv::Mat rgb(12, 9, CV_8UC3, cv::Scalar(1, 2, 3));
  const std::string key = cache.key(rgb);
  EXPECT_EQ(key, "bf9c535babe0b1000f6daae6b83f20ae959836b7eeb31ac1063369772125dfb5");
  cache.store(key, values(4, 3));
  EXPECT_EQ(read_file(cache.path(key)).substr(0, 8), "SAMBEMB1");
  EXPECT_EQ(fs::file_size(cache.path(key)), 88u + 36 * 4 + 64);
  EmbeddingDiskCache several(dir / "cache", kModel, {{4, 3, 3}, {1, 1, 1}});
  EXPECT_NE(several.key(rgb), key);
}

// Security finding 8: an entry linked to /dev/zero was read whole before the size check
// (bad_alloc), and a FIFO entry hung the run forever.
TEST(EmbeddingDiskCache, DevicesFifosAndSymlinksAreRejectedUnread) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "cache", kModel, {{4, 3, 3}});
  const std::string zero = cache.key(image(5)), fifo = cache.key(image(6));
  fs::create_directories(cache.path(zero).parent_path());
  fs::create_symlink("/dev/zero", cache.path(zero));
  EXPECT_FALSE(cache.load(zero));
  fs::create_directories(cache.path(fifo).parent_path());
  ASSERT_EQ(::mkfifo(cache.path(fifo).c_str(), 0600), 0);
  EXPECT_FALSE(cache.load(fifo));
  EXPECT_EQ(cache.stats()["rejected"], 2);
}

// A pid that belonged to a process and no longer does: a child that has exited and been reaped.
long dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

// Security finding 1: the temporaries of entries whose store a kill cut off (4 MB each for
// ViT-B) piled up in the cache. Opening the cache clears the stale ones, and nothing else: not
// a fresh temporary (another run, maybe on another host, may be writing it), not one of a live
// process unless an hour old, not a symlink or folder named like one, not other files.
TEST(EmbeddingDiskCache, StaleTemporariesOfKilledRunsAreClearedAndNothingElse) {
  testing::TempDir dir;
  const fs::path folder = dir / "cache/ab";
  fs::create_directories(folder);
  fs::permissions(dir / "cache", fs::perms::owner_all);
  const std::string entry = std::string(64, 'a') + ".emb";
  const auto now = fs::file_time_type::clock::now();
  auto make = [&](const std::string& name, std::chrono::minutes age) {
    testing::write_text(folder / name, "half an entry");
    fs::last_write_time(folder / name, now - age);
    return folder / name;
  };
  const std::string dead = std::to_string(dead_pid()), alive = std::to_string(::getpid());
  const fs::path dead_old = make(entry + ".tmp." + dead + ".0123456789ab", std::chrono::minutes(2));
  const fs::path dead_fresh = make(entry + ".tmp." + dead + ".0123456789ac", std::chrono::minutes(0));
  const fs::path alive_recent = make(entry + ".tmp." + alive + ".0123456789ad", std::chrono::minutes(30));
  const fs::path alive_hour = make(entry + ".tmp." + alive + ".0123456789ae", std::chrono::minutes(61));
  const fs::path notes = make("notes.tmp." + dead + ".0123456789ab", std::chrono::minutes(120));
  const fs::path victim = make("victim", std::chrono::minutes(120));
  fs::create_symlink(victim, folder / (entry + ".tmp." + dead + ".0123456789af"));
  fs::create_directory(folder / (entry + ".tmp." + dead + ".0123456789b0"));

  EmbeddingDiskCache cache(dir / "cache", kModel, {{4, 3, 3}});
  EXPECT_FALSE(fs::exists(dead_old));
  EXPECT_FALSE(fs::exists(alive_hour));
  EXPECT_TRUE(fs::exists(dead_fresh));
  EXPECT_TRUE(fs::exists(alive_recent));
  EXPECT_TRUE(fs::exists(notes));
  EXPECT_TRUE(fs::is_symlink(folder / (entry + ".tmp." + dead + ".0123456789af")));
  EXPECT_EQ(read_file(victim), "half an entry");
  EXPECT_TRUE(fs::is_directory(folder / (entry + ".tmp." + dead + ".0123456789b0")));
}

// Security finding 7: a cache folder other users can write is theirs to poison, so it is
// private (0700) unless the user says it is shared.
TEST(EmbeddingDiskCache, IsPrivateUnlessDeclaredShared) {
  testing::TempDir dir;
  EmbeddingDiskCache cache(dir / "mine", kModel, {{4, 3, 3}});
  const std::string key = cache.key(image(1));
  cache.store(key, values(4, 3));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(cache.path(key).parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(cache.stats()["shared"], false);

  fs::create_directories(dir / "team");
  fs::permissions(dir / "team", fs::perms::all);
  const std::string error = testing::error_of([&] { EmbeddingDiskCache(dir / "team", kModel, {{4, 3, 3}}); });
  EXPECT_TRUE(testing::contains(error, (dir / "team").string() + ": the embedding cache is writable by other users"))
      << error;
  EXPECT_TRUE(testing::contains(error, "--shared-embedding-cache")) << error;
  EmbeddingDiskCache shared(dir / "team", kModel, {{4, 3, 3}}, "fp32", /*shared=*/true);
  EXPECT_EQ(shared.stats()["shared"], true);
}

// Security findings 1 and 7, with two users: another user plants symlinks at the temporary
// names of upcoming entries in a shared cache; root's store must not write through them, and a
// cache folder that user owns is refused unless declared shared.
TEST(EmbeddingDiskCache, SecondUserCannotRedirectWritesOrOwnThePrivateCache) {
  const std::string skip = testing::second_user_unavailable();
  if (!skip.empty()) GTEST_SKIP() << skip;
  testing::TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
  testing::write_text(dir / "victim", "root only\n");
  fs::permissions(dir / "victim", fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directories(dir / "shared");
  fs::permissions(dir / "shared", fs::perms::all);

  EmbeddingDiskCache cache(dir / "shared", kModel, {{4, 3, 3}}, "fp32", /*shared=*/true);
  const std::string key = cache.key(image(7));
  const fs::path entry = cache.path(key);
  // What the old code would open: "<entry>.tmp.<pid>", for this pid and the next ones.
  std::string plant = "mkdir -p '" + entry.parent_path().string() + "' && for p in $(seq " +
                      std::to_string(::getpid()) + " " + std::to_string(::getpid() + 50) + "); do ln -s '" +
                      (dir / "victim").string() + "' '" + entry.string() + ".tmp.'$p; done";
  ASSERT_EQ(testing::run_as_second_user(plant), 0);
  cache.store(key, values(4, 3));
  EXPECT_EQ(read_file(dir / "victim"), "root only\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(entry)));
  EXPECT_TRUE(cache.load(key));

  const fs::path theirs = dir / "shared" / "theirs";
  ASSERT_EQ(testing::run_as_second_user("mkdir -m 0700 '" + theirs.string() + "'"), 0);
  const std::string error = testing::error_of([&] { EmbeddingDiskCache(theirs, kModel, {{4, 3, 3}}); });
  EXPECT_TRUE(testing::contains(error, "belongs to another user")) << error;
}

}  // namespace
}  // namespace sambench
