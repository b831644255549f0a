#include "sambench/model/embedding_cache.h"

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

}  // namespace

EmbeddingDiskCache::EmbeddingDiskCache(fs::path dir, std::string model_sha256, int channels, int size,
                                       std::string precision)
    : dir_(std::move(dir)),
      model_sha256_(std::move(model_sha256)),
      channels_(channels),
      size_(size),
      precision_(std::move(precision)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error(dir_, "cannot create the embedding cache folder: " + ec.message());
}

std::string EmbeddingDiskCache::key(const cv::Mat& rgb) const {
  cv::Mat pixels = rgb.isContinuous() ? rgb : rgb.clone();
  Sha256 hash;
  // fp32 keys leave the precision out: they are those of caches made before it was an option.
  const std::string precision = precision_ == "fp32" ? "" : precision_ + "\n";
  hash.update(model_sha256_ + "\n" + precision + kPreprocessingVersion + "\n" + std::to_string(rgb.rows) + "x" +
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
  if (!fs::exists(file, ec)) {
    ++misses_;
    return std::nullopt;
  }
  const size_t count = static_cast<size_t>(channels_) * size_ * size_;
  auto reject = [&](const std::string& reason) -> std::optional<std::vector<float>> {
    ++rejected_;
    std::fprintf(stderr, "sambench: warning: %s: %s; recomputing the embedding\n", file.c_str(), reason.c_str());
    return std::nullopt;
  };
  std::string bytes;
  try {
    bytes = read_file(file);
  } catch (const Error&) {
    return reject("cannot read the cache entry");  // a cache only speeds the run up
  }
  if (bytes.size() != sizeof(Header) + count * sizeof(float) + kChecksumSize) {
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
  std::error_code ec;
  fs::create_directories(path(key).parent_path(), ec);
  write_file_atomic(path(key), bytes);
  ++stores_;
}

nlohmann::json EmbeddingDiskCache::stats() const {
  return {{"dir", dir_.string()},
          {"hits", hits_.load()},
          {"misses", misses_.load()},
          {"rejected", rejected_.load()},
          {"stores", stores_.load()}};
}

}  // namespace sambench
