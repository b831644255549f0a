#include "sambench/model/embedding_cache.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/base/hash.h"
#include "sambench/model/preprocess.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'S', 'A', 'M', 'B', 'E', 'M', 'B', '1'};  // one feature
constexpr char kMagicFeatures[8] = {'S', 'A', 'M', 'B', 'E', 'M', 'B', '2'};  // several
constexpr size_t kKeySize = 64;       // hex sha256
constexpr size_t kChecksumSize = 64;  // hex sha256 of everything before it

// The shape fields hold the first feature's; with several, the feature count and every shape follow.
struct Header {
  char magic[8];
  char key[kKeySize];
  uint32_t channels, height, width, value_bytes;
};

const char* magic_of(const std::vector<FeatureShape>& features) {
  return features.size() == 1 ? kMagic : kMagicFeatures;
}

void append_u32(std::string& bytes, size_t value) {
  const uint32_t v = static_cast<uint32_t>(value);
  bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// What an entry holds before its values.
std::string entry_head(const std::string& key, const std::vector<FeatureShape>& features) {
  Header header{};
  std::memcpy(header.magic, magic_of(features), sizeof kMagic);
  std::memcpy(header.key, key.data(), std::min(key.size(), kKeySize));
  header.channels = static_cast<uint32_t>(features.front().channels);
  header.height = static_cast<uint32_t>(features.front().height);
  header.width = static_cast<uint32_t>(features.front().width);
  header.value_bytes = sizeof(float);
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  if (features.size() > 1) {
    append_u32(bytes, features.size());
    for (const FeatureShape& f : features) {
      for (int n : {f.channels, f.height, f.width}) append_u32(bytes, static_cast<size_t>(n));
    }
  }
  return bytes;
}

size_t value_count(const std::vector<FeatureShape>& features) {
  size_t count = 0;
  for (const FeatureShape& f : features) count += f.count();
  return count;
}

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

// A temporary of an entry, "<64 hex>.emb.tmp.<pid>.<random>": the only names the clearing
// below may remove.
bool is_entry_temporary(const std::string& name) {
  const std::string suffix = ".emb.tmp.";
  return name.size() > kKeySize + suffix.size() && name.compare(kKeySize, suffix.size(), suffix) == 0 &&
         name.find_first_not_of("0123456789abcdef") == kKeySize && temporary_writer_pid(name) > 0;
}

bool is_alive(long pid) {
  // EPERM: the process exists but belongs to another user.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Whether an entry's temporary was left by a write that will never finish (a run killed between
// creating and renaming it). A pid means something only on its own host, and a cache folder on
// a network file system is shared by runs on other machines, whose pids we cannot see; so a
// temporary of a pid that is not alive here must also be a minute old (a write renames its file
// within seconds of its last byte). A pid that is alive may be a reused one, so an hour-old
// temporary goes whatever its pid.
bool is_stale(const std::string& name, const struct stat& st, std::time_t now) {
  const std::time_t age = now - st.st_mtime;
  if (age >= 3600) return true;
  return age >= 60 && !is_alive(temporary_writer_pid(name));
}

}  // namespace

void EmbeddingDiskCache::clear_stale_temporaries() const {
  const std::time_t now = std::time(nullptr);
  long removed = 0;
  std::error_code ec;
  for (auto folder = fs::directory_iterator(dir_, ec); !ec && folder != fs::directory_iterator(); folder.increment(ec)) {
    // Only the cache's own two-hex-digit folders, and never through a symlink.
    const std::string folder_name = folder->path().filename().string();
    if (folder_name.size() != 2 || !fs::is_directory(fs::symlink_status(folder->path()))) continue;
    std::error_code inner;
    for (auto it = fs::directory_iterator(folder->path(), inner); !inner && it != fs::directory_iterator();
         it.increment(inner)) {
      const std::string name = it->path().filename().string();
      struct stat st {};
      // lstat: a symlink or a FIFO named like a temporary is not one sambench left; it stays.
      if (!is_entry_temporary(name) || ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      // Another user's temporary in a shared cache cannot be removed (sticky folder): left alone.
      if (is_stale(name, st, now) && ::unlink(it->path().c_str()) == 0) ++removed;
    }
  }
  if (removed > 0) {
    std::fprintf(stderr, "sambench: removed %ld temporary file(s) that killed runs left in the embedding cache %s\n",
                 removed, dir_.c_str());
  }
}

EmbeddingDiskCache::EmbeddingDiskCache(fs::path dir, std::string model_sha256, std::vector<FeatureShape> features,
                                       std::string precision, bool shared, std::string preprocessing)
    : dir_(std::move(dir)),
      model_sha256_(std::move(model_sha256)),
      features_(std::move(features)),
      precision_(std::move(precision)),
      shared_(shared),
      preprocessing_(std::move(preprocessing)) {
  if (features_.empty()) throw Error(dir_, "an embedding cache needs the model's feature shapes");
  make_folder(dir_, folder_mode(shared_));
  if (!shared_) check_private(dir_);
  clear_stale_temporaries();
}

std::string EmbeddingDiskCache::key(const cv::Mat& rgb) const {
  cv::Mat pixels = rgb.isContinuous() ? rgb : rgb.clone();
  Sha256 hash;
  // fp32 keys leave the precision out: they are those of caches made before it was an option.
  const std::string precision = precision_ == "fp32" ? "" : precision_ + "\n";
  // One-feature keys leave the shapes out: they are those of caches made before features.
  const std::string features = features_.size() == 1 ? "" : "features " + shapes_text(features_) + "\n";
  hash.update(model_sha256_ + "\n" + precision + features + preprocessing_ + "\n" + std::to_string(rgb.rows) + "x" +
              std::to_string(rgb.cols) + "x" + std::to_string(rgb.type()) + "\n");
  hash.update(pixels.data, pixels.total() * pixels.elemSize());
  return hash.hex();
}

fs::path EmbeddingDiskCache::path(const std::string& key) const {
  return dir_ / key.substr(0, 2) / (key + ".emb");
}

std::optional<EmbeddingValues> EmbeddingDiskCache::load(const std::string& key) const {
  const fs::path file = path(key);
  std::error_code ec;
  if (fs::symlink_status(file, ec).type() == fs::file_type::not_found) {
    ++misses_;
    return std::nullopt;
  }
  const std::string head = entry_head(key, features_);
  const size_t expected = head.size() + value_count(features_) * sizeof(float) + kChecksumSize;
  auto reject = [&](const std::string& reason) -> std::optional<EmbeddingValues> {
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
  if (std::memcmp(header.magic, magic_of(features_), sizeof kMagic) != 0) {
    return reject("not a sambench embedding cache entry of this model's kind");
  }
  if (std::string(header.key, kKeySize) != key) return reject("cache entry belongs to another key");
  if (bytes.compare(0, head.size(), head) != 0) return reject("cache entry has another embedding shape");
  EmbeddingValues values;
  const char* at = bytes.data() + head.size();
  for (const FeatureShape& shape : features_) {
    FeatureValues f{shape, std::vector<float>(shape.count())};
    std::memcpy(f.values.data(), at, f.values.size() * sizeof(float));
    at += f.values.size() * sizeof(float);
    values.features.push_back(std::move(f));
  }
  ++hits_;
  return values;
}

void EmbeddingDiskCache::store(const std::string& key, const EmbeddingValues& values) const {
  bool fits = values.shapes() == features_;
  for (const FeatureValues& f : values.features) fits = fits && f.values.size() == f.shape.count();
  if (!fits) {
    throw Error(path(key), "embedding of features " + shapes_text(values.shapes()) +
                               " does not match the cache's " + shapes_text(features_));
  }
  std::string bytes = entry_head(key, features_);
  for (const FeatureValues& f : values.features) {
    bytes.append(reinterpret_cast<const char*>(f.values.data()), f.values.size() * sizeof(float));
  }
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
