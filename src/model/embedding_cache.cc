#include "sambench/model/embedding_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/hash.h"
#include "sambench/model/preprocess.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'S', 'A', 'M', 'B', 'E', 'M', 'B', '1'};
constexpr size_t kKeySize = 64;       // hex sha256
constexpr size_t kChecksumSize = 64;  // hex sha256 of everything before it

struct Header {
  char magic[8];
  char key[kKeySize];
  uint32_t channels, height, width, value_bytes;
};

// A private cache's folders are 0700; a shared one's follow the umask, so that its group can write.
mode_t folder_mode(bool shared) { return shared ? 0777 : 0700; }

// Makes `dir` (its parents as usual) if it is missing; the cache folder itself gets `mode`.
void make_folder(const fs::path& dir, mode_t mode) {
  std::error_code ec;
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    throw Error(dir, std::string("cannot create the embedding cache folder: ") + std::strerror(errno));
  }
}

// A folder another user owns or may write is a shared cache: its writers choose what we read.
void check_private(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error(dir, "the embedding cache is not a folder");
  std::string reason;
  if (st.st_uid != ::geteuid()) reason = "belongs to another user (uid " + std::to_string(st.st_uid) + ")";
  else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    reason = std::string("is writable by other users (mode ") + mode + ")";
  }
  if (!reason.empty()) {
    throw Error(dir, "the embedding cache " + reason +
                         ": whoever can write it decides the embeddings you read; use a cache of your own, or "
                         "pass --shared-embedding-cache (run.embedding_cache_shared) if you trust them all");
  }
}

}  // namespace

EmbeddingDiskCache::EmbeddingDiskCache(fs::path dir, std::string model_sha256, int channels, int size,
                                       std::string precision, bool shared, std::string preprocessing)
    : dir_(std::move(dir)),
      model_sha256_(std::move(model_sha256)),
      channels_(channels),
      size_(size),
      precision_(std::move(precision)),
      shared_(shared),
      preprocessing_(std::move(preprocessing)) {
  make_folder(dir_, folder_mode(shared_));
  if (!shared_) check_private(dir_);
}

std::string EmbeddingDiskCache::key(const cv::Mat& rgb) const {
  cv::Mat pixels = rgb.isContinuous() ? rgb : rgb.clone();
  Sha256 hash;
  // fp32 keys leave the precision out: they are those of caches made before it was an option.
  const std::string precision = precision_ == "fp32" ? "" : precision_ + "\n";
  hash.update(model_sha256_ + "\n" + precision + preprocessing_ + "\n" + std::to_string(rgb.rows) + "x" +
              std::to_string(rgb.cols) + "x" + std::to_string(rgb.type()) + "\n");
  hash.update(pixels.data, pixels.total() * pixels.elemSize());
  return hash.hex();
}

fs::path EmbeddingDiskCache::path(const std::string& key) const {
  return dir_ / key.substr(0, 2) / (key + ".emb");
}

std::optional<std::vector<float>> EmbeddingDiskCache::load(const std::string& key) const {
  const fs::path file = path(key);
  std::error_code ec;
  if (fs::symlink_status(file, ec).type() == fs::file_type::not_found) {
    ++misses_;
    return std::nullopt;
  }
  const size_t count = static_cast<size_t>(channels_) * size_ * size_;
  const size_t expected = sizeof(Header) + count * sizeof(float) + kChecksumSize;
  auto reject = [&](const std::string& reason) -> std::optional<std::vector<float>> {
    ++rejected_;
    std::fprintf(stderr, "sambench: warning: %s: %s; recomputing the embedding\n", file.c_str(), reason.c_str());
    return std::nullopt;
  };
  if (fs::is_symlink(fs::symlink_status(file.parent_path(), ec))) return reject("its folder is a symlink");
  std::string bytes;
  try {
    // The size is checked before reading: an entry linked to /dev/zero or a FIFO never reaches memory.
    bytes = read_regular_file(file, expected);
  } catch (const Error& e) {
    // A cache only speeds the run up: an entry it cannot use is recomputed.
    const std::string what = e.what(), prefix = file.string() + ": ";
    return reject("cache entry " + (what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what));
  }
  if (bytes.size() != expected) {
    return reject("cache entry has the wrong size (truncated, or made for another model shape)");
  }
  const size_t body = bytes.size() - kChecksumSize;
  if (Sha256().update(bytes.data(), body).hex() != bytes.substr(body)) return reject("cache entry checksum mismatch (corrupt)");
  Header header;
  std::memcpy(&header, bytes.data(), sizeof header);
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) return reject("not a sambench embedding cache entry");
  if (std::string(header.key, kKeySize) != key) return reject("cache entry belongs to another key");
  if (header.channels != static_cast<uint32_t>(channels_) || header.height != static_cast<uint32_t>(size_) ||
      header.width != static_cast<uint32_t>(size_) || header.value_bytes != sizeof(float)) {
    return reject("cache entry has another embedding shape");
  }
  std::vector<float> values(count);
  std::memcpy(values.data(), bytes.data() + sizeof header, count * sizeof(float));
  ++hits_;
  return values;
}

void EmbeddingDiskCache::store(const std::string& key, const std::vector<float>& values) const {
  if (values.size() != static_cast<size_t>(channels_) * size_ * size_) {
    throw Error(path(key), "embedding of " + std::to_string(values.size()) + " values does not match the cache's shape");
  }
  Header header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  std::memcpy(header.key, key.data(), std::min(key.size(), kKeySize));
  header.channels = static_cast<uint32_t>(channels_);
  header.height = header.width = static_cast<uint32_t>(size_);
  header.value_bytes = sizeof(float);
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  bytes += Sha256().update(bytes).hex();
  const fs::path folder = path(key).parent_path();
  make_folder(folder, folder_mode(shared_));
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(folder, ec))) {
    std::fprintf(stderr, "sambench: warning: %s: a symlink in the embedding cache; not storing through it\n",
                 folder.c_str());
    return;
  }
  write_file_atomic(path(key), bytes);
  ++stores_;
}

nlohmann::json EmbeddingDiskCache::stats() const {
  return {{"dir", dir_.string()},
          {"shared", shared_},
          {"hits", hits_.load()},
          {"misses", misses_.load()},
          {"rejected", rejected_.load()},
          {"stores", stores_.load()}};
}

}  // namespace sambench
