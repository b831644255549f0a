// Helpers that several adapter families share.

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>
#include <set>

#include "data/adapters/adapters.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A uniform integer in [0, n) from raw mt19937 output. Rejection sampling, because
// std::uniform_int_distribution's algorithm is left to the implementation and the subset must
// be the same with every standard library.
uint32_t uniform_below(std::mt19937& rng, uint32_t n) {
  const uint64_t range = uint64_t(std::mt19937::max()) + 1;
  const uint64_t limit = range - range % n;
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return uint32_t(x % n);
}

}  // namespace

namespace {

// Sub-folders of `folder` below which `rest` exists: the root was given one level too high.
std::vector<fs::path> one_level_below(const fs::path& folder, const fs::path& rest) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::error_code inner;
    if (entry.is_directory(inner) && fs::is_directory(entry.path() / rest, inner)) found.push_back(entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string listing(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::error_code inner;
    names.push_back(entry.path().filename().string() + (entry.is_directory(inner) ? "/" : ""));
  }
  if (names.empty()) return folder.string() + " is empty";
  std::sort(names.begin(), names.end());
  const size_t shown = 12;
  std::string found;
  for (size_t i = 0; i < std::min(shown, names.size()); ++i) found += (i ? ", " : "") + names[i];
  if (names.size() > shown) found += ", ... (" + std::to_string(names.size()) + " entries)";
  return folder.string() + " holds: " + found;
}

}  // namespace

void expect_folder(const fs::path& dir, const std::string& role) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  const std::string expected = role.empty() ? "" : " (" + role + ")";
  if (fs::exists(dir, ec)) throw Error(dir, "is a file, not a folder" + expected);
  // The nearest folder that exists: what it holds shows a root one level off or a misnamed folder.
  fs::path existing = dir.parent_path();
  while (!existing.empty() && !fs::exists(existing, ec) && existing != existing.parent_path()) {
    existing = existing.parent_path();
  }
  if (existing.empty()) existing = ".";
  if (!fs::is_directory(existing, ec)) {
    throw Error(existing, "is a file, not a folder (" + dir.lexically_relative(existing).string() +
                              " should be inside it)");
  }
  std::string message = "folder not found" + expected + "; ";
  if (existing != dir.parent_path()) message += dir.parent_path().string() + " does not exist either; ";
  message += listing(existing);
  const fs::path rest = dir.lexically_relative(existing);
  const std::vector<fs::path> below = one_level_below(existing, rest);
  if (!below.empty()) {
    message += "; " + (below[0] / rest).string() + " exists: is the root " + below[0].string() +
               (below.size() > 1 ? " (or " + std::to_string(below.size() - 1) + " other)" : "") + "?";
  }
  throw Error(dir, message);
}

SampleRef make_ref(const std::string& id, const fs::path& image, const fs::path& mask,
                   const std::string& group) {
  SampleRef ref;
  ref.id = id;
  ref.image = image;
  ref.mask = mask;
  ref.group = group;
  return ref;
}

Sample make_sample(const std::string& id, const cv::Mat& image, const cv::Mat& labels) {
  Sample sample;
  sample.id = id;
  sample.image = image;
  sample.labels = labels;
  return sample;
}

fs::path dataset_root(const json& options, const fs::path& base, const std::string& holds) {
  if (!options.contains("root") || !options["root"].is_string()) {
    throw Error("dataset: 'root' is missing (the folder holding " + holds + ")");
  }
  return (base / options["root"].get<std::string>()).lexically_normal();
}

std::string string_option(const json& options, const std::string& key,
                          const std::string& fallback) {
  if (!options.contains(key)) return fallback;
  if (!options[key].is_string()) throw Error("dataset: '" + key + "' must be a string");
  return options[key].get<std::string>();
}

double number_option(const json& options, const std::string& key, double fallback) {
  if (!options.contains(key)) return fallback;
  if (!options[key].is_number()) throw Error("dataset: '" + key + "' must be a number");
  return options[key].get<double>();
}

namespace {

// Why an entry with an image's name is not an image file.
std::string not_a_file_reason(const fs::directory_entry& entry) {
  std::error_code ec;
  const fs::file_status link = entry.symlink_status(ec);
  const fs::file_status target = fs::status(entry.path(), ec);
  if (ec && ec == std::errc::too_many_symbolic_link_levels) return "a symbolic link loop";
  if (fs::is_symlink(link) && !fs::exists(target)) return "a dangling symbolic link";
  if (fs::is_directory(target)) return "a folder, not an image file";
  if (fs::is_fifo(target)) return "a FIFO, not a regular file";
  if (fs::is_character_file(target) || fs::is_block_file(target)) return "a device, not a regular file";
  return ec ? "unreadable: " + ec.message() : "not a regular file";
}

}  // namespace

void skip_unclaimed_masks(const std::map<std::string, fs::path>& masks, const std::set<fs::path>& claimed,
                          std::vector<SkippedFile>& skipped) {
  for (const auto& [stem, mask] : masks) {
    if (!claimed.count(mask)) skipped.push_back({mask, "a mask without its image"});
  }
}

std::map<std::string, fs::path> image_files(const fs::path& dir, std::vector<SkippedFile>* skipped) {
  expect_folder(dir);
  std::map<std::string, fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!is_image_file(entry.path())) continue;
    std::error_code ec;  // a link loop or a dangling link is no image, not a crash
    if (!entry.is_regular_file(ec)) {
      if (skipped) skipped->push_back({entry.path(), not_a_file_reason(entry)});
      continue;
    }
    auto [it, inserted] = files.emplace(entry.path().stem().string(), entry.path());
    if (!inserted) {
      throw Error(entry.path(), "two files share the name " + it->first + " (" +
                                    it->second.filename().string() + ")");
    }
  }
  return files;
}

cv::Mat read_grey(const fs::path& path) {
  cv::Mat grey;
  cv::cvtColor(read_rgb(path), grey, cv::COLOR_RGB2GRAY);
  return grey;
}

std::string distinct_values(const cv::Mat& mask, int limit) {
  cv::Mat values;
  mask.convertTo(values, CV_32S);
  std::set<int> seen;
  for (int r = 0; r < values.rows; ++r) {
    const int* row = values.ptr<int>(r);
    seen.insert(row, row + values.cols);
  }
  std::string list;
  int shown = 0;
  for (int v : seen) {
    if (shown++ == limit) return list + ", ...";
    list += (list.empty() ? "" : ", ") + std::to_string(v);
  }
  return list;
}

cv::Mat binary_labels(const cv::Mat& mask, int label, const fs::path& file) {
  bool has_255 = cv::countNonZero(mask == 255) > 0;
  bool has_1 = cv::countNonZero(mask == 1) > 0;
  int stray = cv::countNonZero((mask != 0) & (mask != 255) & (mask != 1));
  if (stray > 0 || (has_255 && has_1)) {
    throw Error(file, "expected a binary mask (0 and 255), found values " + distinct_values(mask));
  }
  cv::Mat labels = cv::Mat::zeros(mask.size(), label > 255 ? CV_16U : CV_8U);
  labels.setTo(label, mask != 0);
  return labels;
}

std::vector<SampleRef> seeded_subset(std::vector<SampleRef> refs, double fraction, uint32_t seed) {
  auto by_id = [](const SampleRef& a, const SampleRef& b) { return a.id < b.id; };
  std::sort(refs.begin(), refs.end(), by_id);
  std::mt19937 rng(seed);
  for (size_t i = refs.size(); i > 1; --i) {
    std::swap(refs[i - 1], refs[uniform_below(rng, uint32_t(i))]);
  }
  refs.resize(size_t(std::llround(fraction * double(refs.size()))));
  std::sort(refs.begin(), refs.end(), by_id);
  return refs;
}

Sample load_binary_sample(const SampleRef& ref, int label, const std::vector<ClassInfo>& classes) {
  cv::Mat labels = binary_labels(read_label_map(ref.mask), label, ref.mask);
  Sample sample = make_sample(ref.id, read_rgb(ref.image), labels);
  check_labels(sample.labels, sample.image, classes, {}, ref.mask);
  if (!ref.roi.empty()) restrict_to_roi(sample, ref.roi);
  return sample;
}

void restrict_to_roi(Sample& sample, const fs::path& roi_file) {
  cv::Mat roi = read_grey(roi_file);
  if (roi.size() != sample.image.size()) {
    throw Error(roi_file, "field-of-view mask is " + std::to_string(roi.cols) + "x" + std::to_string(roi.rows) +
                              " but its image is " + std::to_string(sample.image.cols) + "x" +
                              std::to_string(sample.image.rows));
  }
  sample.roi = roi > 0;
  if (cv::countNonZero(sample.roi) == 0) throw Error(roi_file, "field-of-view mask is empty");
  sample.labels.setTo(0, ~sample.roi);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::vector<std::pair<long, std::string>> numbered_folders(const fs::path& root, const std::string& prefix,
                                                           const std::string& what) {
  expect_folder(root);
  const std::regex pattern(prefix + "([0-9]+)", std::regex::icase);
  std::vector<std::pair<long, std::string>> found;
  for (const auto& entry : fs::directory_iterator(root)) {
    std::string name = entry.path().filename().string();
    std::smatch m;
    std::error_code ec;
    if (entry.is_directory(ec) && std::regex_match(name, m, pattern)) found.emplace_back(std::stol(m[1].str()), name);
  }
  if (found.empty()) throw Error(root, "no " + what);
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace sambench
