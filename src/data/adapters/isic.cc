// ISIC 2016/2017/2018 Task 1 (skin lesion boundary): <images>/ISIC_XXXXXXX.jpg with
// <masks>/ISIC_XXXXXXX_segmentation.png (2017, 2018) or _Segmentation.png (2016), 0 / 255 masks.
// Optionally a seeded random subset, the "10% of the set" that several SAM studies report.

#include <cmath>
#include <regex>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kLesion = 1;

class IsicDataset : public Dataset {
 public:
  IsicDataset(const json& options, const fs::path& base) {
    check_keys(options, {"adapter", "root", "images", "masks", "subset_fraction", "subset_seed"},
               "dataset");
    fs::path root = dataset_root(options, base, "the ISIC image and ground-truth folders");
    for (const char* key : {"images", "masks"}) {
      if (!options.contains(key) || !options[key].is_string()) {
        throw Error(std::string("dataset: '") + key +
                    "' is missing (the folder name, e.g. ISIC2018_Task1-2_Test_Input)");
      }
    }
    images_ = root / options["images"].get<std::string>();
    masks_ = root / options["masks"].get<std::string>();
    fraction_ = number_option(options, "subset_fraction", 1.0);
    if (!(fraction_ > 0.0 && fraction_ <= 1.0)) {
      throw Error("dataset: 'subset_fraction' must be in (0, 1]");
    }
    double seed = number_option(options, "subset_seed", 0);
    if (seed < 0 || seed > 4294967295.0 || seed != std::floor(seed)) {
      throw Error("dataset: 'subset_seed' must be an integer in 0..4294967295");
    }
    seed_ = uint32_t(seed);
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    // The image folders also hold _superpixels.png (2017) and licence files: keep bare ids only.
    static const std::regex kId("ISIC_[0-9]+");
    skipped_files_.clear();
    std::map<std::string, fs::path> images = image_files(images_, &skipped_files_);
    std::map<std::string, fs::path> masks = image_files(masks_, &skipped_files_);
    std::vector<SampleRef> refs;
    for (const auto& [stem, image] : images) {
      if (!std::regex_match(stem, kId)) continue;
      refs.push_back(make_ref(stem, image, find_mask(masks, stem, image)));
    }
    return fraction_ < 1.0 ? seeded_subset(refs, fraction_, seed_) : refs;
  }

  Sample load(const SampleRef& ref) const override { return load_binary_sample(ref, kLesion, classes_); }

 private:
  // 2016 capitalises the suffix; detecting it per image accepts either release as it ships.
  fs::path find_mask(const std::map<std::string, fs::path>& masks, const std::string& id,
                     const fs::path& image) const {
    for (const char* suffix : {"_segmentation", "_Segmentation"}) {
      auto it = masks.find(id + suffix);
      if (it != masks.end()) return it->second;
    }
    // Listed all the same, so that --on-error skip skips it (check_listing stops other runs).
    const fs::path expected = masks_ / (id + "_segmentation.png");
    skipped_files_.push_back({image, "no mask for this image (expected " + expected.string() + ")", true});
    return expected;
  }

  fs::path images_, masks_;
  double fraction_ = 1.0;
  uint32_t seed_ = 0;
  std::vector<ClassInfo> classes_{{kLesion, "lesion"}};
};

}  // namespace

std::unique_ptr<Dataset> make_isic_dataset(const json& options, const fs::path& base) {
  return std::make_unique<IsicDataset>(options, base);
}

}  // namespace sambench
