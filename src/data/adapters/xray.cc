// Chest X-ray lung fields in the NLM releases:
//   montgomery  <root>/CXR_png/MCUCXR_####_X.png with one binary mask per lung,
//               ManualMask/leftMask/<name>.png and ManualMask/rightMask/<name>.png
//   shenzhen    <root>/CXR_png/CHNCXR_####_X.png with the community lung masks
//               <root>/mask/CHNCXR_####_X_mask.png (both lungs in one mask)
// The Shenzhen masks cover 566 of the 662 images, so that layout lists the masked images only.

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kLeft = 1;
constexpr int kRight = 2;
constexpr int kLungs = 1;
const std::string kMaskSuffix = "_mask";

class XrayDataset : public Dataset {
 public:
  XrayDataset(const json& options, const fs::path& base) {
    std::string layout = string_option(options, "layout", "montgomery");
    if (layout != "montgomery" && layout != "shenzhen") {
      throw Error("dataset: unknown 'layout' '" + layout + "' (known: montgomery, shenzhen)");
    }
    montgomery_ = layout == "montgomery";
    check_keys(options,
               montgomery_ ? std::vector<std::string>{"adapter", "root", "layout", "merge_lungs"}
                           : std::vector<std::string>{"adapter", "root", "layout"},
               "dataset (layout " + layout + ")");
    root_ = dataset_root(options, base,
                         montgomery_ ? "CXR_png/ and ManualMask/" : "CXR_png/ and mask/");
    if (options.contains("merge_lungs") && !options["merge_lungs"].is_boolean()) {
      throw Error("dataset: 'merge_lungs' must be true or false");
    }
    merge_ = !montgomery_ || options.value("merge_lungs", false);
    classes_ = merge_ ? std::vector<ClassInfo>{{kLungs, "lungs"}}
                      : std::vector<ClassInfo>{{kLeft, "left lung"}, {kRight, "right lung"}};
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    return montgomery_ ? list_montgomery() : list_shenzhen();
  }

  Sample load(const SampleRef& ref) const override {
    cv::Mat image = read_rgb(ref.image);
    cv::Mat labels = montgomery_ ? montgomery_labels(ref.mask, image)
                                 : binary_labels(read_label_map(ref.mask), kLungs, ref.mask);
    check_labels(labels, image, classes_, {}, ref.mask);
    return make_sample(ref.id, image, labels);
  }

 private:
  // SampleRef has one mask path: for Montgomery it is the left-lung mask, and the right one is
  // found beside it.
  std::vector<SampleRef> list_montgomery() const {
    std::vector<SampleRef> refs;
    for (const auto& [id, image] : image_files(root_ / "CXR_png")) {
      fs::path left = root_ / "ManualMask" / "leftMask" / image.filename();
      for (const fs::path& mask : {left, right_mask(left)}) {
        std::error_code ec;
        if (!fs::is_regular_file(mask, ec)) {  // listed all the same: --on-error skip skips it
          skipped_files_.push_back({image, "no lung mask for this image (expected " + mask.string() + ")", true});
          break;
        }
      }
      refs.push_back(make_ref(id, image, left));
    }
    return refs;
  }

  std::vector<SampleRef> list_shenzhen() const {
    std::map<std::string, fs::path> images = image_files(root_ / "CXR_png", &skipped_files_);
    std::vector<SampleRef> refs;
    for (const auto& [stem, mask] : image_files(root_ / "mask", &skipped_files_)) {
      if (stem.size() <= kMaskSuffix.size() ||
          stem.compare(stem.size() - kMaskSuffix.size(), kMaskSuffix.size(), kMaskSuffix) != 0) {
        continue;
      }
      std::string id = stem.substr(0, stem.size() - kMaskSuffix.size());
      auto image = images.find(id);
      if (image == images.end()) {  // passed over and listed, as every adapter does
        skipped_files_.push_back(
            {mask, "a mask without its image (expected " + (root_ / "CXR_png" / (id + ".png")).string() + ")"});
        continue;
      }
      refs.push_back(make_ref(id, image->second, mask));
    }
    return refs;
  }

  static fs::path right_mask(const fs::path& left) {
    return left.parent_path().parent_path() / "rightMask" / left.filename();
  }

  cv::Mat montgomery_labels(const fs::path& left_file, const cv::Mat& image) const {
    fs::path right_file = right_mask(left_file);
    cv::Mat left = binary_labels(read_label_map(left_file), 1, left_file);
    cv::Mat right = binary_labels(read_label_map(right_file), 1, right_file);
    check_labels(right, image, {{1, "right lung"}}, {}, right_file);
    check_labels(left, image, {{1, "left lung"}}, {}, left_file);
    if (merge_) return left | right;
    // Overlapping lungs would make one pixel two classes; the masks are drawn apart, so it
    // means a broken file rather than something to resolve silently.
    if (cv::countNonZero(left & right) > 0) throw Error(right_file, "overlaps the left-lung mask");
    return left * kLeft + right * kRight;
  }

  fs::path root_;
  bool montgomery_ = true;
  bool merge_ = false;
  std::vector<ClassInfo> classes_;
};

}  // namespace

std::unique_ptr<Dataset> make_xray_dataset(const json& options, const fs::path& base) {
  return std::make_unique<XrayDataset>(options, base);
}

}  // namespace sambench
