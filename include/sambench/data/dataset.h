#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/data/volume_io.h"

namespace sambench {

struct ClassInfo {
  int label = 0;  // value in the label map
  std::string name;
};

// What a dataset lists cheaply, before anything is decoded.
// For volumes, one ref per slice: image and mask name the volume files, `slice` the index along
// the slice axis, and `case_id` the volume, so that per-case (3D) scores can be put together.
struct SampleRef {
  std::string id;  // unique, stable, used in every output row
  std::filesystem::path image;
  std::filesystem::path mask;
  std::filesystem::path roi;  // optional field-of-view mask: only pixels inside it are scored
  std::string group;    // optional subset the study reports apart (e.g. a fundus domain)
  std::string case_id;  // the patient/volume this sample belongs to; empty: the sample itself
  int slice = -1;       // index in the volume, -1 for 2D data
};

// One decoded sample, ready for the model.
struct Sample {
  std::string id;
  cv::Mat image;   // RGB uint8, H x W x 3
  cv::Mat labels;  // H x W, uint8 or uint16, values from the class map, 0 or ignored values
  // Field of view (CV_8U, 255 inside), or empty for the whole image. Pixels outside it are
  // neither ground truth nor prediction: the retinal vessel benchmarks score inside the FOV.
  cv::Mat roi;
  cv::Point2d spacing{1.0, 1.0};  // physical size of a pixel (x, y), in mm where known
  // For a slice: the ground truth volume's grid as stored in its file. The slice is z = ref.slice
  // of rai_geometry(*volume) (see volume_io.h); predictions are written back on the stored grid,
  // voxel for voxel comparable with the ground truth file.
  std::shared_ptr<const VolumeGeometry> volume;
};

// A file of the dataset's folders that list() passed over, and why, so that nothing vanishes
// without a word: an entry that is not a regular file (a link loop, a dangling link, a FIFO, a
// folder), a mask without its image. An image without its mask (`sample` true) is still listed,
// so that --on-error skip skips it like any unreadable sample; check_listing makes it an error
// otherwise.
struct SkippedFile {
  std::filesystem::path path;
  std::string reason;
  bool sample = false;  // the file is a listed sample's image, which cannot be loaded
};

// The samples of the first `units` units (run.limit, --limit): a unit is one case (a volume's
// slices, a fundus image's disc and cup; the samples sharing a case_id in a row) or one sample
// without a case. 0: all.
std::vector<SampleRef> first_units(std::vector<SampleRef> samples, long long units);

// A benchmark in its on-disk layout. Adapters decide which files form a sample, how the image
// becomes SAM's RGB input, and which label values are classes.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual const std::vector<ClassInfo>& classes() const = 0;
  // Samples in a deterministic order. Throws Error when the layout is broken.
  virtual std::vector<SampleRef> list() const = 0;
  // Decodes and validates one sample. Throws Error naming the file.
  virtual Sample load(const SampleRef& ref) const = 0;
  // What restricts scoring to a field of view, in words for summary.json; empty when nothing does.
  virtual std::string region_of_interest() const { return ""; }
  // What the last list() passed over (adapters built on image folders; empty for the others).
  const std::vector<SkippedFile>& skipped_files() const { return skipped_files_; }

 protected:
  // list() is const to its callers; what it passed over is part of its answer, kept for them.
  mutable std::vector<SkippedFile> skipped_files_;
};

// Throws Error(image, reason) for the first listed sample that cannot be loaded (an image
// without its mask): --on-error fail, inspect, rescore and merge stop at once, before the model
// loads.
void check_listing(const Dataset& dataset);

// "N file(s) passed over" and one line per file (at most `shown`), for stderr; empty when none.
std::string skipped_files_text(const std::vector<SkippedFile>& files, size_t shown = 20);

// options: the config's "dataset" section. base: folder that relative paths start from.
using AdapterFactory = std::function<std::unique_ptr<Dataset>(const nlohmann::json& options,
                                                               const std::filesystem::path& base)>;

std::unique_ptr<Dataset> make_dataset(const nlohmann::json& options,
                                      const std::filesystem::path& base);
std::vector<std::string> adapter_names();

// What an adapter reads, for `sambench datasets`.
struct AdapterInfo {
  std::string name;
  std::string summary;  // the benchmarks, one line
  std::string layout;   // the files it expects, and its main options; may span lines
  std::string configs;  // the ready configs under configs/
};
std::vector<AdapterInfo> adapter_infos();

// Shared by adapters: parses {label: name} and checks that labels are unique positive integers.
std::vector<ClassInfo> parse_classes(const nlohmann::json& classes, const std::string& where);

// Throws Error(mask_file, ...) if the label map holds a value that is neither background (0),
// an ignored value, nor a class label, or if its size differs from the image's.
void check_labels(const cv::Mat& labels, const cv::Mat& image, const std::vector<ClassInfo>& classes,
                  const std::vector<int>& ignored, const std::filesystem::path& mask_file);

}  // namespace sambench
