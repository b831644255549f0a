// Optic disc and cup in the DoFE domain-generalisation layout:
// <root>/DomainK/{train,test}/ROIs/{image,mask}/<name>.png, masks 255 = background,
// 128 = disc rim, 0 = cup (REFUGE's grey coding).
//
// The disc contains the cup, and the study scores the whole disc (rim and cup) and the cup apart.
// One label map cannot hold two overlapping classes, so every image is listed twice:
// <domain>/<split>/<name>/disc, whose label map holds the whole disc as label 1, and
// <name>/cup, holding the cup as label 2. Each class is then scored on its full extent, at the
// price of encoding each image twice.

#include "adapters/adapters.h"
#include "sambench/config.h"
#include "sambench/error.h"
#include "sambench/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kDisc = 1;
constexpr int kCup = 2;
constexpr int kBackgroundGrey = 255;
constexpr int kRimGrey = 128;
constexpr int kCupGrey = 0;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

class FundusDataset : public Dataset {
 public:
  FundusDataset(const json& options, const fs::path& base) {
    check_keys(options, {"adapter", "root", "domains", "split"}, "dataset");
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
    std::vector<SampleRef> refs;
    for (const auto& domain : domains_) {
      fs::path rois = root_ / domain / split_ / "ROIs";
      std::map<std::string, fs::path> images = image_files(rois / "image");
      std::map<std::string, fs::path> masks = image_files(rois / "mask");
      for (const auto& [name, image] : images) {
        auto mask = masks.find(name);
        if (mask == masks.end()) {
          throw Error(image, "no mask for this image (expected " +
                                 (rois / "mask" / (name + ".png")).string() + ")");
        }
        std::string id = domain + "/" + split_ + "/" + name;
        refs.push_back(make_ref(id + "/disc", image, mask->second, domain));
        refs.push_back(make_ref(id + "/cup", image, mask->second, domain));
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
