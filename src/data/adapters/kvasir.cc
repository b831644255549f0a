// Kvasir-SEG (GI polyps): <root>/images/<id>.jpg with <root>/masks/<id>.jpg. The masks are
// binary by intent but saved as JPEG, so compression leaves grey values near 0 and 255 (and
// channels that differ slightly): they are read as grey and thresholded halfway.

#include <set>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kPolyp = 1;
constexpr int kThreshold = 127;  // midway between the intended 0 and 255

class KvasirDataset : public Dataset {
 public:
  KvasirDataset(const json& options, const fs::path& base) {
    check_keys(options, {"adapter", "root", "images", "masks"}, "dataset");
    fs::path root = dataset_root(options, base, "images/ and masks/");
    images_ = root / string_option(options, "images", "images");
    masks_ = root / string_option(options, "masks", "masks");
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::map<std::string, fs::path> images = image_files(images_, &skipped_files_);
    std::map<std::string, fs::path> masks = image_files(masks_, &skipped_files_);
    std::vector<SampleRef> refs;
    std::set<fs::path> claimed;
    for (const auto& [id, image] : images) {
      auto mask = masks.find(id);
      const fs::path expected = masks_ / (id + ".jpg");
      if (mask == masks.end()) {
        skipped_files_.push_back({image, "no mask for this image (expected " + expected.string() + ")", true});
      } else {
        claimed.insert(mask->second);
      }
      refs.push_back(make_ref(id, image, mask == masks.end() ? expected : mask->second));
    }
    skip_unclaimed_masks(masks, claimed, skipped_files_);
    return refs;
  }

  Sample load(const SampleRef& ref) const override {
    cv::Mat grey = read_grey(ref.mask);
    cv::Mat labels = cv::Mat::zeros(grey.size(), CV_8U);
    labels.setTo(kPolyp, grey > kThreshold);
    Sample sample = make_sample(ref.id, read_rgb(ref.image), labels);
    check_labels(sample.labels, sample.image, classes_, {}, ref.mask);
    return sample;
  }

 private:
  fs::path images_, masks_;
  std::vector<ClassInfo> classes_{{kPolyp, "polyp"}};
};

}  // namespace

std::unique_ptr<Dataset> make_kvasir_dataset(const json& options, const fs::path& base) {
  return std::make_unique<KvasirDataset>(options, base);
}

}  // namespace sambench
