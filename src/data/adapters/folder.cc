// The generic layout: root/images/<id>.<ext> with root/masks/<id><suffix>.<ext> holding a label
// map, one class per value. images and masks may name one folder when the suffix tells the masks
// apart (e.g. 1.jpg with 1-mask.png).

#include <map>
#include <set>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FolderDataset : public Dataset {
 public:
  FolderDataset(const json& options, const fs::path& base) {
    check_keys(options, {"adapter", "root", "images", "masks", "mask_suffix", "classes", "ignore"},
               "dataset");
    if (!options.contains("root") || !options["root"].is_string()) {
      throw Error("dataset: 'root' is missing (the folder holding images/ and masks/)");
    }
    root_ = (base / options["root"].get<std::string>()).lexically_normal();
    images_ = (root_ / options.value("images", "images")).lexically_normal();
    masks_ = (root_ / options.value("masks", "masks")).lexically_normal();
    suffix_ = options.value("mask_suffix", "");
    classes_ = parse_classes(options.value("classes", json()), "dataset");
    ignored_ = options.value("ignore", std::vector<int>{});
    if (images_ == masks_ && suffix_.empty()) {
      throw Error("dataset: 'mask_suffix' must not be empty when images and masks share a folder");
    }
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::map<std::string, fs::path> masks_by_stem = image_files(masks_, &skipped_files_);
    const std::map<std::string, fs::path> images =
        images_ == masks_ ? masks_by_stem : image_files(images_, &skipped_files_);
    std::vector<SampleRef> refs;
    std::set<fs::path> claimed;
    for (const auto& [stem, image] : images) {
      if (images_ == masks_ && ends_with(stem, suffix_)) continue;  // a mask beside its image
      auto mask = masks_by_stem.find(stem + suffix_);
      const fs::path expected = masks_ / (stem + suffix_ + ".png");
      if (mask == masks_by_stem.end()) {
        skipped_files_.push_back({image, "no mask for this image (expected " + expected.string() + ")", true});
      } else {
        claimed.insert(mask->second);
      }
      refs.push_back(make_ref(stem, image, mask == masks_by_stem.end() ? expected : mask->second));
    }
    if (images_ != masks_) skip_unclaimed_masks(masks_by_stem, claimed, skipped_files_);
    return refs;
  }

  Sample load(const SampleRef& ref) const override {
    Sample sample;
    sample.id = ref.id;
    sample.image = read_rgb(ref.image);
    sample.labels = read_label_map(ref.mask);
    check_labels(sample.labels, sample.image, classes_, ignored_, ref.mask);
    return sample;
  }

 private:
  fs::path root_, images_, masks_;
  std::string suffix_;
  std::vector<ClassInfo> classes_;
  std::vector<int> ignored_;
};

}  // namespace

std::unique_ptr<Dataset> make_folder_dataset(const json& options, const fs::path& base) {
  return std::make_unique<FolderDataset>(options, base);
}

}  // namespace sambench
