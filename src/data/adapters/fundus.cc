// Optic disc and cup in the DoFE domain-generalisation layout:
// <root>/DomainK/{train,test}/ROIs/{image,mask}/<name>.png, masks 255 = background,
// 128 = disc rim, 0 = cup (REFUGE's grey coding).
//
// The disc contains the cup, and the study scores the whole disc (rim and cup) and the cup apart.
// One label map cannot hold two overlapping classes, so every image is listed twice:
// <domain>/<split>/<name>/disc, whose label map holds the whole disc as label 1, and
// <name>/cup, holding the cup as label 2. Each class is then scored on its full extent; the
// image is encoded once (the cup reuses the disc's embedding). Both samples carry the image as
// their case: one image is one case (the bootstrap resamples it whole, --limit and shards never
// split it).
//
// layout: refuge reads REFUGE's own release instead: <root>/<images>/**/<name>.jpg with
// <root>/<masks>/**/<name>.bmp (the same grey coding), matched by file stem, both folders searched
// recursively in path order; `images` and `masks` default to Images and Annotation/Disc_Cup_Masks
// (for the training release: Training400 and Annotation-Training400/Disc_Cup_Masks, whose
// Glaucoma/ and Non-Glaucoma/ sub-folders are then found by the search). Ids are the image's path
// below `images` without its extension, then /disc or /cup; the group is "REFUGE".

#include <algorithm>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kDisc = 1;
constexpr int kCup = 2;
constexpr int kBackgroundGrey = 255;
constexpr int kRimGrey = 128;
constexpr int kCupGrey = 0;

class FundusDataset : public Dataset {
 public:
  FundusDataset(const json& options, const fs::path& base) {
    std::string layout = string_option(options, "layout", "dofe");
    if (layout != "dofe" && layout != "refuge") {
      throw Error("dataset: unknown 'layout' '" + layout + "' (known: dofe, refuge)");
    }
    refuge_ = layout == "refuge";
    if (refuge_) {
      check_keys(options, {"adapter", "root", "layout", "images", "masks"},
                 "dataset (layout refuge)");
      root_ = dataset_root(options, base, "Images/ and Annotation/Disc_Cup_Masks/");
      images_ = root_ / string_option(options, "images", "Images");
      masks_ = root_ / string_option(options, "masks", "Annotation/Disc_Cup_Masks");
      return;
    }
    check_keys(options, {"adapter", "root", "layout", "domains", "split"}, "dataset");
    root_ = dataset_root(options, base, "Domain1..Domain4");
    split_ = string_option(options, "split", "test");
    if (split_ != "train" && split_ != "test") {
      throw Error("dataset: 'split' must be train or test, not '" + split_ + "'");
    }
    if (options.contains("domains")) {
      const json& domains = options["domains"];
      if (!domains.is_array() || domains.empty()) {
        throw Error("dataset: 'domains' must be a list of folder names, e.g. [Domain1, Domain3]");
      }
      domains_.clear();
      for (const auto& d : domains) {
        if (!d.is_string()) throw Error("dataset: 'domains' must hold folder names");
        domains_.push_back(d.get<std::string>());
      }
    }
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::vector<SampleRef> refs;
    if (refuge_) {
      std::map<std::string, fs::path> masks;
      for (const auto& mask : images_below(masks_)) {
        auto [it, inserted] = masks.emplace(mask.stem().string(), mask);
        if (!inserted) {
          throw Error(mask, "two masks share the name " + it->first + " (" +
                                it->second.string() + ")");
        }
      }
      std::vector<fs::path> images = images_below(images_);
      std::map<std::string, fs::path> seen;
      for (const auto& image : images) {
        auto [it, inserted] = seen.emplace(image.stem().string(), image);
        if (!inserted) {
          throw Error(image, "two images share the name " + it->first + " (" +
                                 it->second.string() + ")");
        }
      }
      for (const auto& image : images) {
        std::string stem = image.stem().string();
        auto mask = masks.find(stem);
        const fs::path expected = masks_ / (stem + ".bmp");
        if (mask == masks.end()) {  // listed all the same: --on-error skip skips it
          skipped_files_.push_back(
              {image, "no mask for this image (expected " + stem + ".bmp below " + masks_.string() + ")", true});
        }
        std::string id = image.lexically_relative(images_).replace_extension().generic_string();
        add_disc_and_cup(id, image, mask == masks.end() ? expected : mask->second, kRefugeGroup, refs);
      }
      return refs;
    }
    for (const auto& domain : domains_) {
      fs::path rois = root_ / domain / split_ / "ROIs";
      std::map<std::string, fs::path> images = image_files(rois / "image");
      std::map<std::string, fs::path> masks = image_files(rois / "mask");
      for (const auto& [name, image] : images) {
        auto mask = masks.find(name);
        const fs::path expected = rois / "mask" / (name + ".png");
        if (mask == masks.end()) {  // listed all the same: --on-error skip skips it
          skipped_files_.push_back({image, "no mask for this image (expected " + expected.string() + ")", true});
        }
        add_disc_and_cup(domain + "/" + split_ + "/" + name, image, mask == masks.end() ? expected : mask->second,
                         domain, refs);
      }
    }
    return refs;
  }

  Sample load(const SampleRef& ref) const override {
    cv::Mat grey = read_label_map(ref.mask);
    int stray =
        cv::countNonZero((grey != kBackgroundGrey) & (grey != kRimGrey) & (grey != kCupGrey));
    if (stray > 0) {
      throw Error(ref.mask, "expected 255 (background), 128 (disc rim) and 0 (cup), found values " +
                                distinct_values(grey));
    }
    cv::Mat labels = cv::Mat::zeros(grey.size(), CV_8U);
    if (ends_with(ref.id, "/cup")) {
      labels.setTo(kCup, grey == kCupGrey);
    } else {
      labels.setTo(kDisc, grey != kBackgroundGrey);  // the rim and the cup inside it
    }
    Sample sample = make_sample(ref.id, read_rgb(ref.image), labels);
    check_labels(sample.labels, sample.image, classes_, {}, ref.mask);
    return sample;
  }

 private:
  static constexpr const char* kRefugeGroup = "REFUGE";

  // Every image is listed twice: its whole disc, then its cup, one case (see the file comment).
  static void add_disc_and_cup(const std::string& id, const fs::path& image, const fs::path& mask,
                               const std::string& group, std::vector<SampleRef>& refs) {
    for (const char* part : {"/disc", "/cup"}) {
      refs.push_back(make_ref(id + part, image, mask, group));
      refs.back().case_id = id;
    }
  }

  // Image files anywhere below `dir`, in path order.
  static std::vector<fs::path> images_below(const fs::path& dir) {
    expect_folder(dir);
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      std::error_code ec;  // a link loop or a dangling link is no image, not a crash
      if (entry.is_regular_file(ec) && is_image_file(entry.path())) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  bool refuge_ = false;
  fs::path images_, masks_;  // layout refuge
  fs::path root_;
  std::string split_;
  std::vector<std::string> domains_{"Domain1", "Domain2", "Domain3", "Domain4"};
  std::vector<ClassInfo> classes_{{kDisc, "optic disc"}, {kCup, "optic cup"}};
};

}  // namespace

std::unique_ptr<Dataset> make_fundus_dataset(const json& options, const fs::path& base) {
  return std::make_unique<FundusDataset>(options, base);
}

}  // namespace sambench
