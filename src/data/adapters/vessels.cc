// Retinal vessel benchmarks, one binary class (255 = vessel), in their release layouts:
//   drive  <root>/{training,test}/images/NN_<split>.tif, 1st_manual/NN_manual1.gif
//   chase  <root>/Image_NNL.jpg with Image_NNL_1stHO.png (first observer)
//   stare  <root>/im0001.ppm with im0001.ah.ppm (Hoover's annotations)
//   hrf    <root>/images/NN_{h,g,dr}.jpg, manual1/NN_{h,g,dr}.tif
// `images` / `masks` override the folders of chase and stare, which are often unpacked into two.
// DRIVE and HRF ship field-of-view masks (drive: <split>/mask/NN_<split>_mask.gif, hrf:
// mask/NN_x_mask.tif); scoring is limited to them unless `field_of_view: false`. CHASE_DB1 and
// STARE have none, so their whole images are scored.

#include <algorithm>
#include <functional>
#include <regex>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kVessel = 1;

// Where one layout keeps its images, which file names are images (the mask folder may be the
// same one), and the mask file of an image stem.
struct Layout {
  fs::path images;
  std::regex image_name;
  std::function<fs::path(const std::string& stem)> mask_of;
  std::function<fs::path(const std::string& stem)> fov_of;  // null: the layout has no FOV masks
};

Layout drive_layout(const fs::path& root, const std::string& split) {
  if (split != "training" && split != "test") {
    throw Error("dataset: 'split' must be training or test, not '" + split + "'");
  }
  fs::path dir = root / split;
  return {dir / "images", std::regex("[0-9]+_" + split + "\\.tif", std::regex::icase),
          [dir](const std::string& stem) {
            return dir / "1st_manual" / (stem.substr(0, stem.find('_')) + "_manual1.gif");
          },
          [dir](const std::string& stem) { return dir / "mask" / (stem + "_mask.gif"); }};
}

Layout chase_layout(const fs::path& images, const fs::path& masks) {
  return {images, std::regex("Image_[0-9]+[LR]\\.jpg", std::regex::icase),
          [masks](const std::string& stem) { return masks / (stem + "_1stHO.png"); }, nullptr};
}

Layout stare_layout(const fs::path& images, const fs::path& masks) {
  return {images, std::regex("im[0-9]+\\.ppm", std::regex::icase),
          [masks](const std::string& stem) { return masks / (stem + ".ah.ppm"); }, nullptr};
}

Layout hrf_layout(const fs::path& root) {
  return {root / "images", std::regex("[0-9]+_(h|g|dr)\\.jpe?g", std::regex::icase),
          [root](const std::string& stem) { return root / "manual1" / (stem + ".tif"); },
          [root](const std::string& stem) { return root / "mask" / (stem + "_mask.tif"); }};
}

class VesselsDataset : public Dataset {
 public:
  VesselsDataset(const json& options, const fs::path& base) {
    std::string layout = string_option(options, "layout", "drive");
    check_keys(options, allowed_keys(layout), "dataset (layout " + layout + ")");
    fs::path root = dataset_root(options, base, "the " + layout + " release");
    fs::path images = root / string_option(options, "images", ".");
    fs::path masks = root / string_option(options, "masks", ".");
    if (layout == "drive") {
      layout_ = drive_layout(root, string_option(options, "split", "test"));
    } else if (layout == "chase") {
      layout_ = chase_layout(images, masks);
    } else if (layout == "stare") {
      layout_ = stare_layout(images, masks);
    } else if (layout == "hrf") {
      layout_ = hrf_layout(root);
    } else {
      throw Error("dataset: unknown 'layout' '" + layout + "' (known: drive, chase, stare, hrf)");
    }
    if (options.contains("field_of_view") && !options["field_of_view"].is_boolean()) {
      throw Error("dataset: 'field_of_view' must be true or false");
    }
    if (!options.value("field_of_view", true)) layout_.fov_of = nullptr;
    if (layout_.fov_of) {
      roi_note_ = "the " + layout + " field-of-view masks (" + layout_.fov_of("<image>").lexically_relative(root).string() +
                  "): pixels outside the FOV are neither ground truth nor prediction";
    }
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::error_code ec;
    expect_folder(layout_.images, "the images");
    std::vector<SampleRef> refs;
    for (const auto& entry : fs::directory_iterator(layout_.images)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file(ec) || !std::regex_match(name, layout_.image_name)) continue;
      std::string stem = entry.path().stem().string();
      fs::path mask = layout_.mask_of(stem);
      if (!fs::is_regular_file(mask, ec)) {
        // Listed all the same, so that --on-error skip skips it (check_listing stops other runs).
        skipped_files_.push_back({entry.path(), "no vessel mask for this image (expected " + mask.string() + ")", true});
      }
      refs.push_back(make_ref(stem, entry.path(), mask));
      if (layout_.fov_of) {
        refs.back().roi = layout_.fov_of(stem);
        if (!fs::is_regular_file(refs.back().roi, ec)) {
          skipped_files_.push_back({entry.path(),
                                    "no field-of-view mask for this image (expected " + refs.back().roi.string() +
                                        "; set field_of_view: false to score the whole image)",
                                    true});
        }
      }
    }
    std::sort(refs.begin(), refs.end(),
              [](const SampleRef& a, const SampleRef& b) { return a.id < b.id; });
    return refs;
  }

  Sample load(const SampleRef& ref) const override { return load_binary_sample(ref, kVessel, classes_); }
  std::string region_of_interest() const override { return roi_note_; }

 private:
  static std::vector<std::string> allowed_keys(const std::string& layout) {
    std::vector<std::string> keys = {"adapter", "root", "layout"};
    if (layout == "drive") keys.push_back("split");
    if (layout == "drive" || layout == "hrf") keys.push_back("field_of_view");
    if (layout == "chase" || layout == "stare") {
      keys.push_back("images");
      keys.push_back("masks");
    }
    return keys;
  }

  Layout layout_;
  std::string roi_note_;
  std::vector<ClassInfo> classes_{{kVessel, "vessel"}};
};

}  // namespace

std::unique_ptr<Dataset> make_vessels_dataset(const json& options, const fs::path& base) {
  return std::make_unique<VesselsDataset>(options, base);
}

}  // namespace sambench
