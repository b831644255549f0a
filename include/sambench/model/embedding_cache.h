#pragma once

// An on-disk cache of image embeddings, so that a sweep over prompt modes or mask policies
// reruns only the decoder.

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/model/embedding_values.h"
#include "sambench/model/preprocess.h"

namespace sambench {

// One file per image, DIR/<key[0..2]>/<key>.emb, keyed by the model's sha256, the encoder's
// precision, the preprocessing version and the decoded RGB pixels (so a renamed or re-encoded
// but identical image still hits). Each file holds a header (magic, key, shape), the float32
// values and a SHA-256 of everything before it. A model with several features (SAM 2.1) stores
// them all, one after another, behind a header that lists their shapes; its keys also name the
// shapes, while a one-feature model's entries and keys are those of caches made before features.
// Everything is followed by a SHA-256 of what precedes it: a truncated, corrupt or foreign file is
// detected, reported with a warning and recomputed. Safe between concurrent readers and runs
// (entries are written to a new temporary name and renamed).
//
// The checksum catches accidents, not a colleague: anyone who can write the folder can write a
// valid entry. So a cache is private by default: the folder is made with mode 0700, and one that
// another user owns or can write is refused unless `shared` says its writers are trusted
// (docs/security.md). Entries that are symlinks, FIFOs, devices or of the wrong size are rejected
// before anything is read. Temporaries that killed runs left are cleared when a cache is opened.
class EmbeddingDiskCache {
 public:
  // features: the embedding's shapes as the model returns them (ModelInfo::features). precision:
  // the encoder's (ModelInfo::precision); its embeddings differ, so each has its own entries.
  // preprocessing: the run's preprocessing_key (preprocess.h), its profile's; likewise.
  EmbeddingDiskCache(std::filesystem::path dir, std::string model_sha256, std::vector<FeatureShape> features,
                     std::string precision = "fp32", bool shared = false,
                     std::string preprocessing = preprocessing_key(sam_profile()));

  std::string key(const cv::Mat& rgb) const;
  std::filesystem::path path(const std::string& key) const;

  // The stored values, or nothing when the entry is absent or unusable (then a one-line warning
  // names the file and the reason). Thread-safe.
  std::optional<EmbeddingValues> load(const std::string& key) const;
  void store(const std::string& key, const EmbeddingValues& values) const;

  // dir, shared, hits, misses, rejected (corrupt or mismatched) entries, stores.
  nlohmann::json stats() const;

 private:
  // Removes the temporaries that runs killed mid-store left behind (they would pile up, 4 MB
  // each for ViT-B); only plain files named as write_file_atomic names an entry's temporary, and
  // only stale ones (see is_stale in the .cc), since other runs may be storing right now.
  void clear_stale_temporaries() const;

  std::filesystem::path dir_;
  std::string model_sha256_;
  std::vector<FeatureShape> features_;
  std::string precision_;
  bool shared_;
  std::string preprocessing_;
  mutable std::atomic<long long> hits_{0}, misses_{0}, rejected_{0}, stores_{0};
};

}  // namespace sambench
