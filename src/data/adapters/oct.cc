// Retinal OCT B-scans with layer and fluid labels, AROI (Melinscak et al. 2021):
//   aroi  <root>/patientN/raw/labeled/patientN_rawNNNN.png
//         with <root>/patientN/mask/number/patientN_rawNNNN.png (the same file name)
//   flat  <root>/images/<name>.png with <root>/masks/<name>_gt.png; `classes` replaces AROI's
//         classes for other layered-OCT sets (configs/endoscopic_oct.yaml)
// The AROI folder names are not confirmed against the release, so both are options
// (`images`, `masks`, relative to each patient folder); in the flat layout they are relative to
// the root, may name the same folder (stems ending in the mask suffix are then masks), and
// `mask_suffix` (default "_gt") names the masks.
//
// Masks hold class indices 0..7: 0 above the ILM (background), then the AROI classes below.
// B-scans may be palette PNGs (a grey ramp): they are read as RGB, turned grey, and the grey
// copied into the three channels, so that any non-grey palette still gives SAM a grey input.
// group and case_id are the patient ("patientN", from the folder or the file name's prefix).
// The labelled B-scans are a sparse subset of each volume, so they are listed as 2D samples
// (slice -1), not as slices of a volume.

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "data/adapters/adapters.h"
#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// "patient12_raw0040" → "patient12"; "" when the name does not start that way.
std::string patient_of(const std::string& stem) {
  static const std::regex pattern("(patient[0-9]+)_.*", std::regex::icase);
  std::smatch m;
  return std::regex_match(stem, m, pattern) ? m[1].str() : std::string();
}

class OctDataset : public Dataset {
 public:
  OctDataset(const json& options, const fs::path& base) {
    std::string layout = string_option(options, "layout", "aroi");
    if (layout != "aroi" && layout != "flat") {
      throw Error("dataset: unknown 'layout' '" + layout + "' (known: aroi, flat)");
    }
    flat_ = layout == "flat";
    check_keys(options,
               flat_ ? std::vector<std::string>{"adapter", "root", "layout", "images", "masks",
                                                "mask_suffix", "classes"}
                     : std::vector<std::string>{"adapter", "root", "layout", "images", "masks"},
               "dataset (layout " + layout + ")");
    root_ = dataset_root(options, base,
                         flat_ ? "images/ and masks/"
                               : "patientN/raw/labeled and patientN/mask/number");
    images_ = string_option(options, "images", flat_ ? "images" : "raw/labeled");
    masks_ = string_option(options, "masks", flat_ ? "masks" : "mask/number");
    suffix_ = string_option(options, "mask_suffix", "_gt");
    // Other layered-OCT sets (e.g. endoscopic OCT of the rat colon: CM, SM, ME) name their own.
    if (options.contains("classes")) classes_ = parse_classes(options["classes"], "dataset");
    if (flat_ && suffix_.empty() && images_ == masks_) {
      throw Error("dataset: 'mask_suffix' must not be empty when images and masks share a folder");
    }
  }

  const std::vector<ClassInfo>& classes() const override { return classes_; }

  std::vector<SampleRef> list() const override {
    skipped_files_.clear();
    std::vector<SampleRef> refs;
    if (flat_) {
      append((root_ / images_).lexically_normal(), (root_ / masks_).lexically_normal(), suffix_,
             "", refs);
      return refs;
    }
    for (const auto& [number, name] : patients()) {
      fs::path patient = root_ / name;
      append((patient / images_).lexically_normal(), (patient / masks_).lexically_normal(), "",
             name, refs);
    }
    return refs;
  }

  Sample load(const SampleRef& ref) const override {
    cv::Mat labels = read_label_map(ref.mask);
    cv::Mat grey;
    cv::cvtColor(read_rgb(ref.image), grey, cv::COLOR_RGB2GRAY);
    cv::Mat image;
    cv::merge(std::vector<cv::Mat>{grey, grey, grey}, image);
    Sample sample = make_sample(ref.id, image, labels);
    check_labels(sample.labels, sample.image, classes_, {}, ref.mask);
    return sample;
  }

 private:
  // The patientN folders of the root, by patient number.
  std::vector<std::pair<long, std::string>> patients() const {
    return numbered_folders(root_, "patient", "patientN folders (AROI layout)");
  }

  // The images of one folder and their masks (<stem><suffix>); `patient` is the group, or ""
  // to take it from each file name.
  void append(const fs::path& image_dir, const fs::path& mask_dir, const std::string& suffix,
              const std::string& patient, std::vector<SampleRef>& refs) const {
    std::map<std::string, fs::path> images = image_files(image_dir, &skipped_files_);
    std::map<std::string, fs::path> masks =
        image_dir == mask_dir ? images : image_files(mask_dir, &skipped_files_);
    for (const auto& [stem, image] : images) {
      if (!suffix.empty() && ends_with(stem, suffix)) continue;  // a mask in a shared folder
      auto mask = masks.find(stem + suffix);
      const fs::path expected = mask_dir / (stem + suffix + ".png");
      // Listed all the same, so that --on-error skip skips it (check_listing stops other runs).
      if (mask == masks.end()) {
        skipped_files_.push_back({image, "no mask for this image (expected " + expected.string() + ")", true});
      }
      std::string group = patient.empty() ? patient_of(stem) : patient;
      // AROI names its files after the patient; a name that is not is kept apart by its folder.
      std::string id = patient.empty() || patient_of(stem) == patient ? stem : patient + "/" + stem;
      SampleRef ref = make_ref(id, image, mask == masks.end() ? expected : mask->second, group);
      ref.case_id = group;
      refs.push_back(ref);
    }
  }

  bool flat_ = false;
  fs::path root_;
  std::string images_, masks_, suffix_;
  // AROI's classes (names as in shared/data/oct_aroi/MANIFEST.md); 0 is above the ILM.
  std::vector<ClassInfo> classes_{{1, "ILM–IPL/INL"},     {2, "IPL/INL–RPE"}, {3, "RPE–BM"},
                                  {4, "under BM (choroid/sclera)"}, {5, "PED"},
                                  {6, "SRF"},             {7, "IRF"}};
};

}  // namespace

std::unique_ptr<Dataset> make_oct_dataset(const json& options, const fs::path& base) {
  return std::make_unique<OctDataset>(options, base);
}

}  // namespace sambench
