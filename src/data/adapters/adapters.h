#pragma once

// One factory per dataset family; dataset.cc maps config names to them. The helpers below are
// shared by the families (src/data/adapters/common.cc).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "sambench/data/dataset.h"

namespace sambench {

std::unique_ptr<Dataset> make_folder_dataset(const nlohmann::json& options,
                                             const std::filesystem::path& base);
std::unique_ptr<Dataset> make_amos_dataset(const nlohmann::json& options,
                                           const std::filesystem::path& base);
std::unique_ptr<Dataset> make_isic_dataset(const nlohmann::json& options,
                                           const std::filesystem::path& base);
std::unique_ptr<Dataset> make_fundus_dataset(const nlohmann::json& options,
                                             const std::filesystem::path& base);
std::unique_ptr<Dataset> make_kvasir_dataset(const nlohmann::json& options,
                                             const std::filesystem::path& base);
std::unique_ptr<Dataset> make_oct_dataset(const nlohmann::json& options,
                                          const std::filesystem::path& base);
std::unique_ptr<Dataset> make_endovis_dataset(const nlohmann::json& options,
                                              const std::filesystem::path& base);
std::unique_ptr<Dataset> make_vessels_dataset(const nlohmann::json& options,
                                              const std::filesystem::path& base);
std::unique_ptr<Dataset> make_xray_dataset(const nlohmann::json& options,
                                           const std::filesystem::path& base);

// An adapter's description (public, for `sambench datasets`) and its factory.
struct AdapterEntry {
  AdapterInfo info;
  AdapterFactory make;
};
const std::vector<AdapterEntry>& adapter_catalog();  // in name order (src/data/adapters/catalog.cc)

// EndoVis 2017: the instrument type label (1..7) of a ground-truth folder name such as
// "Left_Bipolar_Forceps_labels", 0 when it matches none (rule in src/data/adapters/endovis.cc).
int endovis_instrument_label(const std::string& folder);

// Throws Error(dir, "folder not found …") saying what `dir` should hold (`role`, optional) and
// what its parent holds instead, e.g. "…/amos/labelsVa: folder not found (the label volumes
// next to imagesVa/); …/amos holds: imagesVa/, labelsTr/".
void expect_folder(const std::filesystem::path& dir, const std::string& role = "");

// A 2D sample ref and a decoded sample, built by name so that fields added to the structs
// later keep their defaults.
SampleRef make_ref(const std::string& id, const std::filesystem::path& image,
                   const std::filesystem::path& mask, const std::string& group = "");
Sample make_sample(const std::string& id, const cv::Mat& image, const cv::Mat& labels);

// base / options.root, normalised. Throws Error when 'root' is missing; `holds` says what the
// folder should contain, for the message.
std::filesystem::path dataset_root(const nlohmann::json& options, const std::filesystem::path& base,
                                   const std::string& holds);

// A string option, or `fallback` when absent. Throws Error when present but not a string.
std::string string_option(const nlohmann::json& options, const std::string& key,
                          const std::string& fallback);

// A number option, or `fallback` when absent. Throws Error when present but not a number.
double number_option(const nlohmann::json& options, const std::string& key, double fallback);

// Image files directly inside `dir`, keyed by file name stem, in name order. Throws Error when the
// folder is missing or two files share a stem. Entries with an image extension that are not
// regular files (a link loop, a dangling link, a FIFO, a device, a folder) are left out, and
// added to `skipped` with the reason when it is given.
std::map<std::string, std::filesystem::path> image_files(const std::filesystem::path& dir,
                                                         std::vector<SkippedFile>* skipped = nullptr);

// Masks that no listed image claimed, added to `skipped` as "a mask without its image".
void skip_unclaimed_masks(const std::map<std::string, std::filesystem::path>& masks,
                          const std::set<std::filesystem::path>& claimed, std::vector<SkippedFile>& skipped);

// A mask read as grey levels whatever its channels: for masks saved as JPEG, whose channels
// differ through compression artefacts.
cv::Mat read_grey(const std::filesystem::path& path);

// Turns a binary mask (0 = background; foreground 255, or 1 in masks saved as 0/1) into a label
// map holding 0 and `label`. Throws Error(file) naming the stray values otherwise.
cv::Mat binary_labels(const cv::Mat& mask, int label, const std::filesystem::path& file);

bool ends_with(const std::string& s, const std::string& tail);

// The sub-folders of `root` named <prefix><number> (case-insensitive), sorted by number, as
// (number, folder name). Throws Error naming `root` when it is missing, or "no <what>" when it
// holds none.
std::vector<std::pair<long, std::string>> numbered_folders(const std::filesystem::path& root,
                                                           const std::string& prefix, const std::string& what);

// A sample whose mask file is one binary object mask (0 and 255 or 1): the image as RGB, the
// mask as `label`, sizes checked against each other.
Sample load_binary_sample(const SampleRef& ref, int label, const std::vector<ClassInfo>& classes);

// Reads a field-of-view mask (any non-zero pixel is inside) into sample.roi and clears the ground
// truth outside it. Throws Error(roi_file) when its size differs from the image's or it is empty.
void restrict_to_roi(Sample& sample, const std::filesystem::path& roi_file);

// Distinct values of an 8- or 16-bit single-channel image, for error messages ("0, 17, 255").
std::string distinct_values(const cv::Mat& mask, int limit = 8);

// A deterministic random subset: ids sorted, shuffled by Fisher-Yates driven by std::mt19937
// (whose output the standard fixes, unlike std::shuffle's), the first round(fraction * n) kept
// and sorted again.
std::vector<SampleRef> seeded_subset(std::vector<SampleRef> refs, double fraction, uint32_t seed);

}  // namespace sambench
