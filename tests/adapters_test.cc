// Tests of the dataset adapters: each on a small fixture written in its official layout and
// encoding, and on the real samples in shared/data where they exist.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "fixtures/test_fixtures.h"
#include "sambench/data/dataset.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

// ---- fixture helpers ----

void write_grey(const fs::path& path, const cv::Mat& grey) {
  fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), grey)) << path;
}

cv::Mat grey_image(int rows, int cols) {
  return cv::Mat(rows, cols, CV_8UC3, cv::Scalar(90, 60, 30));
}

// A 0/255 mask with a filled square at (x, y).
cv::Mat square_mask(int rows, int cols, int x, int y, int side, int value = 255) {
  cv::Mat mask = cv::Mat::zeros(rows, cols, CV_8U);
  mask(cv::Rect(x, y, side, side)).setTo(value);
  return mask;
}

using testing::contains;

// The listing as a run under --on-error fail takes it: an image without its mask is an error.
std::vector<SampleRef> list_checked(const Dataset& dataset) {
  std::vector<SampleRef> refs = dataset.list();
  check_listing(dataset);
  return refs;
}
using testing::error_of;

std::set<int> values_of(const cv::Mat& labels) {
  std::set<int> values;
  for (int r = 0; r < labels.rows; ++r) {
    for (int c = 0; c < labels.cols; ++c) values.insert(labels.at<uchar>(r, c));
  }
  return values;
}

std::vector<std::string> ids_of(const std::vector<SampleRef>& refs) {
  std::vector<std::string> ids;
  for (const auto& r : refs) ids.push_back(r.id);
  return ids;
}

fs::path shared_or_skip(const std::string& folder) {
  fs::path root = testing::shared_data();
  if (root.empty() || !fs::is_directory(root / folder)) return {};
  return root / folder;
}

#define SKIP_WITHOUT(dir, folder) \
  if ((dir).empty()) GTEST_SKIP() << "shared/data/" folder " is absent (set SAMBENCH_SHARED_DATA)"

// A root one level off: the error names the missing folder and what is there instead.
TEST(AdapterLayout, MissingFolderSaysWhatWasFound) {
  TempDir dir;
  testing::write_text(dir / "release/DRIVE/test/images/readme.txt", "");
  auto dataset = make_dataset({{"adapter", "vessels"}, {"root", "release"}}, dir.path());
  std::string error = error_of([&] { dataset->list(); });
  EXPECT_TRUE(contains(error, "release/test/images: folder not found (the images); "
                             + (dir.path() / "release/test").string() + " does not exist either; "))
      << error;
  // The root is one level too high: the folder below it that has the layout is named.
  EXPECT_TRUE(contains(error, "release holds: DRIVE/; ")) << error;
  EXPECT_TRUE(contains(error, "release/DRIVE/test/images exists: is the root " + (dir.path() / "release/DRIVE").string() +
                                  "?")) << error;
  fs::create_directories(dir / "release/test/1st_manual");
  testing::write_text(dir / "release/test/notes.txt", "");
  error = error_of([&] { dataset->list(); });
  EXPECT_TRUE(contains(error, "release/test/images: folder not found (the images); "));
  EXPECT_TRUE(contains(error, "release/test holds: 1st_manual/, notes.txt")) << error;
}

TEST(AdapterTable, DescribesEveryAdapter) {
  auto infos = adapter_infos();
  ASSERT_EQ(infos.size(), adapter_names().size());
  for (const auto& info : infos) {
    EXPECT_FALSE(info.summary.empty()) << info.name;
    EXPECT_FALSE(info.layout.empty()) << info.name;
    // Every config named exists, so that the listing never points at nothing.
    std::string configs = info.configs;
    for (size_t start = 0; start < configs.size();) {
      size_t end = configs.find(", ", start);
      std::string name = configs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      EXPECT_TRUE(fs::exists(fs::path(SAMBENCH_SOURCE_DIR) / "configs" / name)) << info.name << ": " << name;
      start = end == std::string::npos ? configs.size() : end + 2;
    }
  }
}

TEST(AdapterTable, ListsEveryFamily) {
  auto names = adapter_names();
  for (const char* name :
       {"endovis", "folder", "fundus", "isic", "kvasir", "oct", "vessels", "xray"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

// ---- ISIC ----

json isic_options() {
  return {{"adapter", "isic"}, {"root", "isic"}, {"images", "Input"}, {"masks", "GroundTruth"}};
}

void write_isic(const TempDir& dir, const std::string& id, const cv::Mat& mask,
                const std::string& suffix = "_segmentation") {
  testing::write_rgb(dir / ("isic/Input/" + id + ".jpg"), grey_image(mask.rows, mask.cols));
  write_grey(dir / ("isic/GroundTruth/" + id + suffix + ".png"), mask);
}

TEST(IsicAdapter, ListsIdsWithEitherSuffixCase) {
  TempDir dir;
  write_isic(dir, "ISIC_0000002", square_mask(8, 10, 2, 2, 4), "_Segmentation");  // 2016 naming
  write_isic(dir, "ISIC_0000001", square_mask(8, 10, 0, 0, 3));
  testing::write_rgb(dir / "isic/Input/ISIC_0000001_superpixels.png", grey_image(8, 10));  // 2017
  testing::write_text(dir / "isic/Input/ATTRIBUTION.txt", "CC-BY-NC");
  auto dataset = make_dataset(isic_options(), dir.path());
  ASSERT_EQ(dataset->classes().size(), 1u);
  EXPECT_EQ(dataset->classes()[0].label, 1);
  EXPECT_EQ(dataset->classes()[0].name, "lesion");

  auto refs = dataset->list();
  EXPECT_EQ(ids_of(refs), (std::vector<std::string>{"ISIC_0000001", "ISIC_0000002"}));
  EXPECT_EQ(refs[1].mask, dir / "isic/GroundTruth/ISIC_0000002_Segmentation.png");
  Sample s = dataset->load(refs[0]);
  EXPECT_EQ(s.image.size(), cv::Size(10, 8));
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1}));
  EXPECT_EQ(cv::countNonZero(s.labels), 9);
  EXPECT_EQ(s.labels.at<uchar>(2, 2), 1);
}

TEST(IsicAdapter, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  write_isic(dir, "ISIC_0000001", square_mask(8, 10, 0, 0, 3, 128));
  testing::write_rgb(dir / "isic/Input/ISIC_0000009.jpg", grey_image(8, 10));
  auto dataset = make_dataset(isic_options(), dir.path());
  EXPECT_TRUE(contains(error_of([&] {
                         dataset->list();
                         check_listing(*dataset);
                       }),
                       "ISIC_0000009.jpg: no mask for this image"));

  fs::remove(dir / "isic/Input/ISIC_0000009.jpg");
  auto refs = dataset->list();
  std::string error = error_of([&] { dataset->load(refs[0]); });
  EXPECT_TRUE(contains(
      error,
      "ISIC_0000001_segmentation.png: expected a binary mask (0 and 255), found values 0, 128"))
      << error;

  write_grey(dir / "isic/GroundTruth/ISIC_0000001_segmentation.png", square_mask(9, 10, 0, 0, 3));
  error = error_of([&] { dataset->load(refs[0]); });
  EXPECT_TRUE(contains(error, "ISIC_0000001_segmentation.png: mask is 10x9 but its image is 10x8"))
      << error;
}

TEST(IsicAdapter, SeededSubsetIsDeterministicAndSorted) {
  TempDir dir;
  for (int i = 0; i < 30; ++i) {
    write_isic(dir, cv::format("ISIC_%07d", i), square_mask(4, 4, 0, 0, 2));
  }
  json options = isic_options();
  options["subset_fraction"] = 0.1;
  options["subset_seed"] = 42;
  auto refs = make_dataset(options, dir.path())->list();
  ASSERT_EQ(refs.size(), 3u);  // round(0.1 * 30)
  EXPECT_TRUE(std::is_sorted(refs.begin(), refs.end(),
                             [](const SampleRef& a, const SampleRef& b) { return a.id < b.id; }));
  EXPECT_EQ(ids_of(make_dataset(options, dir.path())->list()), ids_of(refs));
  // Pinned (and cross-checked with numpy's MT19937 and the same Fisher-Yates): the subset is a
  // property of the study's protocol, not of this build's standard library.
  EXPECT_EQ(ids_of(refs),
            (std::vector<std::string>{"ISIC_0000000", "ISIC_0000002", "ISIC_0000023"}));

  options["subset_seed"] = 7;
  EXPECT_NE(ids_of(make_dataset(options, dir.path())->list()), ids_of(refs));
  options["subset_fraction"] = 1.0;
  EXPECT_EQ(make_dataset(options, dir.path())->list().size(), 30u);
}

TEST(IsicAdapter, BadOptionsAreErrors) {
  for (auto [key, value] : std::vector<std::pair<std::string, json>>{{"subset_fraction", 0.0},
                                                                     {"subset_fraction", 1.5},
                                                                     {"subset_fraction", "10%"},
                                                                     {"subset_seed", -1},
                                                                     {"subset_seed", 1.5},
                                                                     {"mask_suffix", "_x"}}) {
    json options = isic_options();
    options[key] = value;
    EXPECT_THROW(make_dataset(options, "."), Error) << key << " " << value;
  }
  json options = isic_options();
  options.erase("masks");
  EXPECT_TRUE(contains(error_of([&] { make_dataset(options, "."); }), "'masks' is missing"));
}

TEST(IsicAdapter, RealSample) {
  fs::path isic = shared_or_skip("isic");
  SKIP_WITHOUT(isic, "isic");
  json options = {{"adapter", "isic"},
                  {"root", isic.string()},
                  {"images", "ISIC2018_Task1-2_Training_Input"},
                  {"masks", "ISIC2018_Task1_Training_GroundTruth"}};
  auto dataset = make_dataset(options, ".");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"ISIC_0000000"}));
  Sample s = dataset->load(refs[0]);
  EXPECT_EQ(s.image.size(), cv::Size(1022, 767));
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1}));
  EXPECT_NEAR(double(cv::countNonZero(s.labels)) / s.labels.total(), 0.466, 0.001);
}

// ---- Fundus (DoFE) ----

// DoFE's coding: 255 background, 128 disc rim, 0 cup; stored as RGB with equal channels.
cv::Mat fundus_mask(int size, int disc_radius, int cup_radius) {
  cv::Mat grey(size, size, CV_8U, cv::Scalar(255));
  cv::Point centre(size / 2, size / 2);
  for (int r = 0; r < size; ++r) {
    for (int c = 0; c < size; ++c) {
      double d = cv::norm(cv::Point(c, r) - centre);
      if (d <= cup_radius)
        grey.at<uchar>(r, c) = 0;
      else if (d <= disc_radius)
        grey.at<uchar>(r, c) = 128;
    }
  }
  cv::Mat rgb;
  cv::merge(std::vector<cv::Mat>{grey, grey, grey}, rgb);
  return rgb;
}

void write_fundus(const TempDir& dir, const std::string& domain, const std::string& split,
                  const std::string& name, const cv::Mat& mask) {
  fs::path rois = dir / ("Fundus/" + domain + "/" + split + "/ROIs");
  testing::write_rgb(rois / "image" / (name + ".png"), grey_image(mask.rows, mask.cols));
  write_grey(rois / "mask" / (name + ".png"), mask);
}

json fundus_options() { return {{"adapter", "fundus"}, {"root", "Fundus"}}; }

TEST(FundusAdapter, ListsEachImageAsDiscAndCupSamples) {
  TempDir dir;
  for (const char* domain : {"Domain2", "Domain1", "Domain3", "Domain4"}) {
    write_fundus(dir, domain, "test", "b", fundus_mask(21, 8, 3));
  }
  write_fundus(dir, "Domain1", "test", "a", fundus_mask(21, 8, 3));
  write_fundus(dir, "Domain1", "train", "t", fundus_mask(21, 8, 3));
  auto dataset = make_dataset(fundus_options(), dir.path());
  ASSERT_EQ(dataset->classes().size(), 2u);
  EXPECT_EQ(dataset->classes()[0].name, "optic disc");
  EXPECT_EQ(dataset->classes()[1].name, "optic cup");

  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), 10u);
  EXPECT_EQ(refs[0].id, "Domain1/test/a/disc");
  EXPECT_EQ(refs[1].id, "Domain1/test/a/cup");
  EXPECT_EQ(refs[2].id, "Domain1/test/b/disc");
  EXPECT_EQ(refs[9].id, "Domain4/test/b/cup");
  EXPECT_EQ(refs[0].group, "Domain1");
  EXPECT_EQ(refs[4].group, "Domain2");
  EXPECT_EQ(refs[0].image, refs[1].image);

  cv::Mat grey;
  cv::extractChannel(fundus_mask(21, 8, 3), grey, 0);
  Sample disc = dataset->load(refs[0]);
  Sample cup = dataset->load(refs[1]);
  EXPECT_EQ(values_of(disc.labels), (std::set<int>{0, 1}));
  EXPECT_EQ(values_of(cup.labels), (std::set<int>{0, 2}));
  // The disc is rim and cup together; the cup is value 0 only.
  EXPECT_EQ(cv::countNonZero(disc.labels), cv::countNonZero(grey < 255));
  EXPECT_EQ(cv::countNonZero(cup.labels), cv::countNonZero(grey == 0));
  EXPECT_EQ(disc.labels.at<uchar>(10, 10), 1);
  EXPECT_EQ(cup.labels.at<uchar>(10, 10), 2);
  EXPECT_EQ(cup.labels.at<uchar>(10, 16), 0);  // rim
}

TEST(FundusAdapter, DomainsAndSplitOptions) {
  TempDir dir;
  write_fundus(dir, "Domain1", "train", "x", fundus_mask(9, 4, 1));
  write_fundus(dir, "Domain3", "train", "y", fundus_mask(9, 4, 1));
  json options = fundus_options();
  options["domains"] = json::array({"Domain3"});
  options["split"] = "train";
  auto refs = make_dataset(options, dir.path())->list();
  EXPECT_EQ(ids_of(refs),
            (std::vector<std::string>{"Domain3/train/y/disc", "Domain3/train/y/cup"}));

  options["split"] = "val";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
  options["split"] = "train";
  options["domains"] = "Domain3";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
  options = fundus_options();
  options["domain"] = json::array({"Domain3"});
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

TEST(FundusAdapter, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  json options = fundus_options();
  options["domains"] = json::array({"Domain1", "Domain2"});
  write_fundus(dir, "Domain1", "test", "a", fundus_mask(9, 4, 1));
  std::string error = error_of([&] { make_dataset(options, dir.path())->list(); });
  EXPECT_TRUE(contains(error, "Domain2/test/ROIs/image: folder not found")) << error;

  options["domains"] = json::array({"Domain1"});
  testing::write_rgb(dir / "Fundus/Domain1/test/ROIs/image/b.png", grey_image(9, 9));
  error = error_of([&] { list_checked(*make_dataset(options, dir.path())); });
  EXPECT_TRUE(contains(error, "image/b.png: no mask for this image")) << error;

  fs::remove(dir / "Fundus/Domain1/test/ROIs/image/b.png");
  cv::Mat mask = fundus_mask(9, 4, 1);
  mask.at<cv::Vec3b>(0, 0) = cv::Vec3b(64, 64, 64);
  write_grey(dir / "Fundus/Domain1/test/ROIs/mask/a.png", mask);
  auto dataset = make_dataset(options, dir.path());
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error,
                       "mask/a.png: expected 255 (background), 128 (disc rim) and 0 (cup), found "
                       "values 0, 64, 128, 255"))
      << error;

  write_grey(dir / "Fundus/Domain1/test/ROIs/mask/a.png", fundus_mask(11, 4, 1));
  error = error_of([&] { dataset->load(dataset->list()[1]); });
  EXPECT_TRUE(contains(error, "mask/a.png: mask is 11x11 but its image is 9x9")) << error;
}

TEST(FundusAdapter, RealSample) {
  fs::path fundus = shared_or_skip("fundus_dofe/Fundus");
  SKIP_WITHOUT(fundus, "fundus_dofe/Fundus");
  // The shared copy holds the train pairs only (one per domain); its test folders are missing.
  json options = {{"adapter", "fundus"}, {"root", fundus.string()}, {"split", "train"}};
  auto dataset = make_dataset(options, ".");
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), 8u);
  std::set<std::string> groups;
  for (const auto& r : refs) groups.insert(r.group);
  EXPECT_EQ(groups, (std::set<std::string>{"Domain1", "Domain2", "Domain3", "Domain4"}));
  EXPECT_EQ(refs[0].id, "Domain1/train/gdrishtiGS_002/disc");
  Sample disc = dataset->load(refs[0]);
  Sample cup = dataset->load(refs[1]);
  EXPECT_EQ(disc.image.size(), cv::Size(800, 800));
  EXPECT_EQ(cv::countNonZero(disc.labels), 38488 + 38287);  // cup + rim (MANIFEST counts)
  EXPECT_EQ(cv::countNonZero(cup.labels), 38488);
  for (size_t i = 2; i < refs.size(); ++i) EXPECT_NO_THROW(dataset->load(refs[i])) << refs[i].id;
}

// ---- OCT (AROI) ----

// A label map holding 0..7 in horizontal bands (AROI's layers run across the B-scan).
cv::Mat oct_mask(int rows, int cols) {
  cv::Mat mask(rows, cols, CV_8U);
  for (int r = 0; r < rows; ++r) mask.row(r).setTo(r * 8 / rows);
  return mask;
}

void write_aroi(const TempDir& dir, const std::string& patient, const std::string& scan,
                const cv::Mat& mask) {
  fs::path root = dir / ("AROI/" + patient);
  std::string name = patient + "_raw" + scan + ".png";
  write_grey(root / "raw/labeled" / name, cv::Mat(mask.size(), CV_8U, cv::Scalar(70)));
  write_grey(root / "mask/number" / name, mask);
  write_grey(root / "mask/color" / name, cv::Mat(mask.size(), CV_8UC3, cv::Scalar(0, 0, 255)));
}

TEST(OctAdapter, AroiLayoutListsPatientsInNumberOrder) {
  TempDir dir;
  write_aroi(dir, "patient10", "0040", oct_mask(16, 12));
  write_aroi(dir, "patient2", "0061", oct_mask(16, 12));
  write_aroi(dir, "patient2", "0059", oct_mask(16, 12));
  fs::create_directories(dir / "AROI/notes");  // not a patient folder
  auto dataset = make_dataset({{"adapter", "oct"}, {"root", "AROI"}}, dir.path());
  ASSERT_EQ(dataset->classes().size(), 7u);
  EXPECT_EQ(dataset->classes()[0].label, 1);
  EXPECT_EQ(dataset->classes()[0].name, "ILM–IPL/INL");
  EXPECT_EQ(dataset->classes()[1].name, "IPL/INL–RPE");
  EXPECT_EQ(dataset->classes()[2].name, "RPE–BM");
  EXPECT_EQ(dataset->classes()[3].name, "under BM (choroid/sclera)");
  EXPECT_EQ(dataset->classes()[6].name, "IRF");

  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"patient2_raw0059", "patient2_raw0061",
                                                    "patient10_raw0040"}));
  EXPECT_EQ(refs[0].group, "patient2");
  EXPECT_EQ(refs[0].case_id, "patient2");
  EXPECT_EQ(refs[2].group, "patient10");
  EXPECT_EQ(refs[2].case_id, "patient10");
  EXPECT_EQ(refs[2].slice, -1);
  EXPECT_EQ(refs[2].mask, dir / "AROI/patient10/mask/number/patient10_raw0040.png");

  Sample s = dataset->load(refs[2]);
  ASSERT_EQ(s.image.type(), CV_8UC3);
  EXPECT_EQ(s.image.at<cv::Vec3b>(3, 3), cv::Vec3b(70, 70, 70));
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(cv::countNonZero(s.labels != oct_mask(16, 12)), 0);

  // The folder names are options.
  fs::rename(dir / "AROI/patient2/mask/number", dir / "AROI/patient2/mask/numbers");
  fs::rename(dir / "AROI/patient10/mask/number", dir / "AROI/patient10/mask/numbers");
  json options = {{"adapter", "oct"}, {"root", "AROI"}, {"masks", "mask/numbers"}};
  EXPECT_EQ(make_dataset(options, dir.path())->list().size(), 3u);
}

TEST(OctAdapter, FlatLayoutWithMasksBesideTheImages) {
  TempDir dir;
  write_grey(dir / "oct/b_scan.png", cv::Mat(8, 8, CV_8U, cv::Scalar(20)));
  write_grey(dir / "oct/b_scan_gt.png", oct_mask(8, 8));
  write_grey(dir / "oct/patient3_raw0001.png", cv::Mat(8, 8, CV_8U, cv::Scalar(20)));
  write_grey(dir / "oct/patient3_raw0001_gt.png", oct_mask(8, 8));
  json options = {{"adapter", "oct"}, {"layout", "flat"}, {"root", "oct"}, {"images", "."},
                  {"masks", "."}};
  auto dataset = make_dataset(options, dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"b_scan", "patient3_raw0001"}));
  EXPECT_EQ(refs[0].group, "");  // no patient in the name
  EXPECT_EQ(refs[1].group, "patient3");
  EXPECT_EQ(refs[1].case_id, "patient3");
  EXPECT_EQ(refs[1].mask, dir / "oct/patient3_raw0001_gt.png");
  EXPECT_EQ(values_of(dataset->load(refs[1]).labels), (std::set<int>{0, 1, 2, 3, 4, 5, 6, 7}));

  // The default folders: images/ and masks/.
  write_grey(dir / "flat/images/x.png", cv::Mat(8, 8, CV_8U, cv::Scalar(20)));
  write_grey(dir / "flat/masks/x_gt.png", oct_mask(8, 8));
  auto flat = make_dataset({{"adapter", "oct"}, {"layout", "flat"}, {"root", "flat"}}, dir.path());
  EXPECT_EQ(ids_of(flat->list()), (std::vector<std::string>{"x"}));
}

// Endoscopic OCT (rat colon): the flat layout with its own three layers.
TEST(OctAdapter, FlatLayoutTakesItsOwnClasses) {
  TempDir dir;
  cv::Mat layers = cv::Mat::zeros(9, 6, CV_8U);
  layers.rowRange(3, 5).setTo(1), layers.rowRange(5, 7).setTo(2), layers.rowRange(7, 9).setTo(3);
  write_grey(dir / "eoct/images/colon_01.png", cv::Mat(9, 6, CV_8U, cv::Scalar(40)));
  write_grey(dir / "eoct/masks/colon_01_gt.png", layers);
  json options = {{"adapter", "oct"}, {"layout", "flat"}, {"root", "eoct"},
                  {"classes", {{"1", "CM"}, {"2", "SM"}, {"3", "ME"}}}};
  auto dataset = make_dataset(options, dir.path());
  ASSERT_EQ(dataset->classes().size(), 3u);
  EXPECT_EQ(dataset->classes()[2].name, "ME");
  EXPECT_EQ(values_of(dataset->load(dataset->list()[0]).labels), (std::set<int>{0, 1, 2, 3}));
  layers.at<uchar>(0, 0) = 4;
  write_grey(dir / "eoct/masks/colon_01_gt.png", layers);
  EXPECT_TRUE(contains(error_of([&] { dataset->load(dataset->list()[0]); }),
                       "colon_01_gt.png: label value(s) 4 not in the class map"));
  json aroi = {{"adapter", "oct"}, {"root", "eoct"}, {"classes", {{"1", "CM"}}}};
  EXPECT_THROW(make_dataset(aroi, dir.path()), Error);  // AROI's classes are fixed
}

TEST(OctAdapter, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  write_aroi(dir, "patient1", "0001", oct_mask(16, 12));
  json options = {{"adapter", "oct"}, {"root", "AROI"}};
  auto dataset = make_dataset(options, dir.path());

  write_grey(dir / "AROI/patient1/raw/labeled/patient1_raw0002.png", cv::Mat(16, 12, CV_8U));
  std::string error = error_of([&] {
    dataset->list();
    check_listing(*dataset);
  });
  EXPECT_TRUE(contains(error, "labeled/patient1_raw0002.png: no mask for this image (expected "))
      << error;
  EXPECT_TRUE(contains(error, "mask/number/patient1_raw0002.png)")) << error;
  fs::remove(dir / "AROI/patient1/raw/labeled/patient1_raw0002.png");

  cv::Mat mask = oct_mask(16, 12);
  mask.at<uchar>(0, 0) = 8;
  write_grey(dir / "AROI/patient1/mask/number/patient1_raw0001.png", mask);
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error, "number/patient1_raw0001.png: label value(s) 8 not in the class map"))
      << error;

  write_grey(dir / "AROI/patient1/mask/number/patient1_raw0001.png", oct_mask(16, 16));
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error, "number/patient1_raw0001.png: mask is 16x16 but its image is 12x16"))
      << error;

  error = error_of([&] { make_dataset({{"adapter", "oct"}, {"root", "."}}, dir.path())->list(); });
  EXPECT_TRUE(contains(error, "no patientN folders")) << error;
  options["layout"] = "volumes";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
  options["layout"] = "aroi";
  options["mask_suffix"] = "_gt";  // a flat-layout option
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

TEST(OctAdapter, RealSample) {
  fs::path images = shared_or_skip("oct_aroi/assets/images");
  SKIP_WITHOUT(images, "oct_aroi/assets/images");
  json options = {{"adapter", "oct"}, {"layout", "flat"}, {"root", images.string()},
                  {"images", "."}, {"masks", "."}};
  auto dataset = make_dataset(options, ".");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"patient1_raw0073"}));
  EXPECT_EQ(refs[0].group, "patient1");
  Sample s = dataset->load(refs[0]);
  ASSERT_EQ(s.image.size(), cv::Size(256, 256));
  ASSERT_EQ(s.image.type(), CV_8UC3);
  // A palette PNG (grey ramp): the three channels come out equal.
  std::vector<cv::Mat> channels;
  cv::split(s.image, channels);
  EXPECT_EQ(cv::countNonZero(channels[0] != channels[1]), 0);
  EXPECT_EQ(cv::countNonZero(channels[0] != channels[2]), 0);
  // The MANIFEST's pixel counts.
  const int counts[8] = {14986, 2869, 5897, 722, 39352, 1574, 74, 62};
  for (int v = 0; v < 8; ++v) EXPECT_EQ(cv::countNonZero(s.labels == v), counts[v]) << v;
}

// ---- EndoVis 2017 ----

// One frame of instrument_dataset_<k>; masks: instrument folder → its mask (0 = none).
void write_endovis(const TempDir& dir, const std::string& dataset, const std::string& frame,
                   const std::map<std::string, cv::Mat>& masks, cv::Size size = {40, 32}) {
  fs::path root = dir / ("EndoVis/" + dataset);
  testing::write_rgb(root / "left_frames" / (frame + ".png"), grey_image(size.height, size.width));
  for (const auto& [folder, mask] : masks) {
    write_grey(root / "ground_truth" / folder / (frame + ".png"), mask);
  }
}

json endovis_options(const std::string& task = "binary") {
  return {{"adapter", "endovis"}, {"root", "EndoVis"}, {"task", task}};
}

TEST(EndovisAdapter, BinaryMergesAllInstruments) {
  TempDir dir;
  // The release codes parts as 10, 20, 30 inside each instrument's mask: all count.
  cv::Mat left = square_mask(32, 40, 2, 2, 6, 10);
  left(cv::Rect(2, 2, 2, 2)).setTo(30);
  cv::Mat right = square_mask(32, 40, 20, 10, 5, 20);
  for (const char* frame : {"frame001", "frame000"}) {
    write_endovis(dir, "instrument_dataset_10", frame,
                  {{"Left_Prograsp_Forceps_labels", left},
                   {"Right_Prograsp_Forceps_labels", right}});
  }
  write_endovis(dir, "instrument_dataset_2", "frame000", {{"Suction_labels", right}});
  auto dataset = make_dataset(endovis_options(), dir.path());
  ASSERT_EQ(dataset->classes().size(), 1u);
  EXPECT_EQ(dataset->classes()[0].name, "instrument");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"instrument_dataset_2/frame000",
                                                    "instrument_dataset_10/frame000",
                                                    "instrument_dataset_10/frame001"}));
  EXPECT_EQ(refs[0].group, "instrument_dataset_2");
  EXPECT_EQ(refs[2].group, "instrument_dataset_10");
  EXPECT_EQ(refs[2].image, dir / "EndoVis/instrument_dataset_10/left_frames/frame001.png");

  Sample s = dataset->load(refs[2]);
  EXPECT_EQ(s.image.size(), cv::Size(40, 32));
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1}));
  EXPECT_EQ(cv::countNonZero(s.labels), 36 + 25);
  EXPECT_EQ(s.labels.at<uchar>(2, 2), 1);
  EXPECT_EQ(s.labels.at<uchar>(12, 22), 1);

  json options = endovis_options();
  options["datasets"] = json::array({"instrument_dataset_10"});
  EXPECT_EQ(make_dataset(options, dir.path())->list().size(), 2u);
}

TEST(EndovisAdapter, InstrumentsTaskMapsFolderNamesToTypes) {
  TempDir dir;
  const std::vector<std::pair<std::string, int>> folders = {
      {"Maryland_Bipolar_Forceps_labels", 1}, {"Right_Prograsp_Forceps_labels", 2},
      {"Large_Needle_Driver_Left_labels", 3}, {"Vessel_Sealer_labels", 4},
      {"Left_Grasping_Retractor_labels", 5},  {"monopolar_curved_scissors", 6},
      {"Other_labels", 7}};
  std::map<std::string, cv::Mat> masks;
  for (size_t i = 0; i < folders.size(); ++i) {
    masks[folders[i].first] = square_mask(32, 40, int(i) * 5, 4, 4);
  }
  write_endovis(dir, "instrument_dataset_1", "frame000", masks);
  auto dataset = make_dataset(endovis_options("instruments"), dir.path());
  ASSERT_EQ(dataset->classes().size(), 7u);
  EXPECT_EQ(dataset->classes()[0].name, "Bipolar Forceps");
  EXPECT_EQ(dataset->classes()[5].name, "Monopolar Curved Scissors");
  EXPECT_EQ(dataset->classes()[6].name, "Other (Ultrasound Probe)");
  Sample s = dataset->load(dataset->list()[0]);
  for (size_t i = 0; i < folders.size(); ++i) {
    EXPECT_EQ(s.labels.at<uchar>(5, int(i) * 5 + 1), folders[i].second) << folders[i].first;
    EXPECT_EQ(cv::countNonZero(s.labels == folders[i].second), 16) << folders[i].first;
  }

  // A folder no type matches is an Error naming it; the binary task does not need the names.
  write_grey(dir / "EndoVis/instrument_dataset_1/ground_truth/Suction_Tube_labels/frame000.png",
             square_mask(32, 40, 0, 20, 4));
  std::string error = error_of([&] { dataset->list(); });
  EXPECT_TRUE(contains(error, "ground_truth/Suction_Tube_labels: no EndoVis 2017 instrument type "
                              "matches this folder name"))
      << error;
  EXPECT_EQ(make_dataset(endovis_options(), dir.path())->list().size(), 1u);
}

// The parts task reads the release's part coding (10 shaft, 20 wrist, 30 claspers) from every
// instrument folder but the ultrasound probe's, which has no parts.
TEST(EndovisAdapter, PartsTaskReadsThePartCoding) {
  TempDir dir;
  cv::Mat forceps = square_mask(32, 40, 0, 0, 6, 10);
  forceps(cv::Rect(0, 6, 6, 2)).setTo(20);
  cv::Mat scissors = square_mask(32, 40, 20, 10, 4, 30);
  write_endovis(dir, "instrument_dataset_1", "frame000",
                {{"Left_Bipolar_Forceps_labels", forceps},
                 {"Monopolar_Curved_Scissors_labels", scissors},
                 {"Other_labels", square_mask(32, 40, 30, 20, 5, 255)}});
  auto dataset = make_dataset(endovis_options("parts"), dir.path());
  ASSERT_EQ(dataset->classes().size(), 3u);
  EXPECT_EQ(dataset->classes()[2].name, "claspers");
  Sample s = dataset->load(dataset->list()[0]);
  EXPECT_EQ(cv::countNonZero(s.labels == 1), 36);
  EXPECT_EQ(cv::countNonZero(s.labels == 2), 12);
  EXPECT_EQ(cv::countNonZero(s.labels == 3), 16);
  EXPECT_EQ(s.labels.at<uchar>(22, 32), 0);  // the probe is not a part

  write_grey(dir / "EndoVis/instrument_dataset_1/ground_truth/Left_Bipolar_Forceps_labels/frame000.png",
             square_mask(32, 40, 0, 0, 6, 255));
  std::string error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error, "Left_Bipolar_Forceps_labels/frame000.png: part values must be 10 (shaft), "
                              "20 (wrist) or 30 (claspers); found 0, 255"))
      << error;
}

TEST(EndovisAdapter, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  write_endovis(dir, "instrument_dataset_1", "frame000",
                {{"Bipolar_Forceps_labels", square_mask(32, 40, 0, 0, 4)},
                 {"Vessel_Sealer_labels", square_mask(32, 40, 8, 0, 4)}});
  auto dataset = make_dataset(endovis_options("instruments"), dir.path());
  fs::remove(dir / "EndoVis/instrument_dataset_1/ground_truth/Vessel_Sealer_labels/frame000.png");
  std::string error = error_of([&] { list_checked(*dataset); });
  EXPECT_TRUE(contains(error, "left_frames/frame000.png: no mask for this frame (expected "))
      << error;
  EXPECT_TRUE(contains(error, "Vessel_Sealer_labels/frame000.png)")) << error;

  write_grey(dir / "EndoVis/instrument_dataset_1/ground_truth/Vessel_Sealer_labels/frame000.png",
             square_mask(30, 40, 8, 0, 4));
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error, "Vessel_Sealer_labels/frame000.png: mask is 40x30 but its image "
                              "is 40x32"))
      << error;

  json inside = endovis_options();
  inside["root"] = "EndoVis/instrument_dataset_1";  // one level too deep
  error = error_of([&] { make_dataset(inside, dir.path())->list(); });
  EXPECT_TRUE(contains(error, "no instrument_dataset_K folders")) << error;
  EXPECT_THROW(make_dataset(endovis_options("tools"), dir.path()), Error);
  json options = endovis_options();
  options["split"] = "train";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

// ---- Fundus (REFUGE release layout) ----

void write_refuge(const TempDir& dir, const std::string& image, const std::string& mask,
                  const cv::Mat& coded) {
  testing::write_rgb(dir / ("REFUGE/" + image), grey_image(coded.rows, coded.cols));
  write_grey(dir / ("REFUGE/" + mask), coded);
}

TEST(FundusRefuge, MatchesImagesAndMasksByStemBelowEitherFolder) {
  TempDir dir;
  cv::Mat grey;
  cv::extractChannel(fundus_mask(21, 8, 3), grey, 0);
  write_refuge(dir, "Images/V0002.jpg", "Annotation/Disc_Cup_Masks/V0002.bmp", grey);
  write_refuge(dir, "Images/V0001.jpg", "Annotation/Disc_Cup_Masks/V0001.bmp",
               fundus_mask(21, 8, 3));  // RGB with equal channels, as some copies are
  json options = {{"adapter", "fundus"}, {"layout", "refuge"}, {"root", "REFUGE"}};
  auto dataset = make_dataset(options, dir.path());
  EXPECT_EQ(dataset->classes()[1].name, "optic cup");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"V0001/disc", "V0001/cup", "V0002/disc",
                                                    "V0002/cup"}));
  EXPECT_EQ(refs[3].group, "REFUGE");
  EXPECT_EQ(refs[3].mask, dir / "REFUGE/Annotation/Disc_Cup_Masks/V0002.bmp");
  Sample disc = dataset->load(refs[2]);
  Sample cup = dataset->load(refs[3]);
  EXPECT_EQ(values_of(disc.labels), (std::set<int>{0, 1}));
  EXPECT_EQ(values_of(cup.labels), (std::set<int>{0, 2}));
  EXPECT_EQ(cv::countNonZero(disc.labels), cv::countNonZero(grey < 255));
  EXPECT_EQ(cv::countNonZero(cup.labels), cv::countNonZero(grey == 0));
  EXPECT_EQ(cup.labels.at<uchar>(10, 16), 0);  // rim
  EXPECT_EQ(values_of(dataset->load(refs[0]).labels), (std::set<int>{0, 1}));

  // The training release: class sub-folders on both sides, searched recursively.
  write_refuge(dir, "Training400/Non-Glaucoma/n0001.jpg",
               "Annotation-Training400/Disc_Cup_Masks/Non-Glaucoma/n0001.bmp", grey);
  write_refuge(dir, "Training400/Glaucoma/g0001.jpg",
               "Annotation-Training400/Disc_Cup_Masks/Glaucoma/g0001.bmp", grey);
  options["images"] = "Training400";
  options["masks"] = "Annotation-Training400/Disc_Cup_Masks";
  refs = make_dataset(options, dir.path())->list();
  ASSERT_EQ(ids_of(refs),
            (std::vector<std::string>{"Glaucoma/g0001/disc", "Glaucoma/g0001/cup",
                                      "Non-Glaucoma/n0001/disc", "Non-Glaucoma/n0001/cup"}));
  EXPECT_EQ(refs[2].mask,
            dir / "REFUGE/Annotation-Training400/Disc_Cup_Masks/Non-Glaucoma/n0001.bmp");
}

TEST(FundusRefuge, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  cv::Mat grey;
  cv::extractChannel(fundus_mask(9, 4, 1), grey, 0);
  write_refuge(dir, "Images/a.jpg", "Annotation/Disc_Cup_Masks/a.bmp", grey);
  json options = {{"adapter", "fundus"}, {"layout", "refuge"}, {"root", "REFUGE"}};
  auto dataset = make_dataset(options, dir.path());

  testing::write_rgb(dir / "REFUGE/Images/sub/b.jpg", grey_image(9, 9));
  std::string error = error_of([&] { list_checked(*dataset); });
  EXPECT_TRUE(contains(error, "Images/sub/b.jpg: no mask for this image (expected b.bmp below "))
      << error;
  testing::write_rgb(dir / "REFUGE/Images/b.jpg", grey_image(9, 9));
  error = error_of([&] { dataset->list(); });
  EXPECT_TRUE(contains(error, "two images share the name b")) << error;
  fs::remove_all(dir / "REFUGE/Images/sub");
  fs::remove(dir / "REFUGE/Images/b.jpg");

  cv::Mat bad = grey.clone();
  bad.at<uchar>(0, 0) = 64;
  write_grey(dir / "REFUGE/Annotation/Disc_Cup_Masks/a.bmp", bad);
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error, "Disc_Cup_Masks/a.bmp: expected 255 (background), 128 (disc rim) "
                              "and 0 (cup), found values 0, 64, 128, 255"))
      << error;

  cv::Mat wide;
  cv::extractChannel(fundus_mask(11, 4, 1), wide, 0);
  write_grey(dir / "REFUGE/Annotation/Disc_Cup_Masks/a.bmp", wide);
  error = error_of([&] { dataset->load(dataset->list()[1]); });
  EXPECT_TRUE(contains(error, "Disc_Cup_Masks/a.bmp: mask is 11x11 but its image is 9x9")) << error;

  options["masks"] = "GT";
  error = error_of([&] { make_dataset(options, dir.path())->list(); });
  EXPECT_TRUE(contains(error, "REFUGE/GT: folder not found")) << error;
  options["split"] = "test";  // a DoFE option
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
  EXPECT_THROW(make_dataset({{"adapter", "fundus"}, {"layout", "Refuge"}, {"root", "REFUGE"}},
                            dir.path()),
               Error);
}

// ---- Kvasir-SEG ----

json kvasir_options() { return {{"adapter", "kvasir"}, {"root", "Kvasir-SEG"}}; }

TEST(KvasirAdapter, ThresholdsJpegMasks) {
  TempDir dir;
  // A JPEG mask whose channels differ a little, as compression leaves them.
  cv::Mat mask(40, 48, CV_8UC3, cv::Scalar(3, 0, 6));
  mask(cv::Rect(8, 8, 16, 16)).setTo(cv::Scalar(250, 255, 247));
  write_grey(dir / "Kvasir-SEG/masks/b.jpg", mask);
  testing::write_rgb(dir / "Kvasir-SEG/images/b.jpg", grey_image(40, 48));
  write_grey(dir / "Kvasir-SEG/masks/a.jpg", square_mask(40, 48, 0, 0, 8));
  testing::write_rgb(dir / "Kvasir-SEG/images/a.jpg", grey_image(40, 48));
  auto dataset = make_dataset(kvasir_options(), dir.path());
  EXPECT_EQ(dataset->classes()[0].name, "polyp");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"a", "b"}));
  Sample s = dataset->load(refs[1]);
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1}));
  EXPECT_NEAR(cv::countNonZero(s.labels), 16 * 16, 8);  // JPEG blurs the edge by a pixel or so
  EXPECT_EQ(s.labels.at<uchar>(16, 16), 1);
  EXPECT_EQ(s.labels.at<uchar>(35, 40), 0);
}

TEST(KvasirAdapter, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  testing::write_rgb(dir / "Kvasir-SEG/images/a.jpg", grey_image(40, 48));
  write_grey(dir / "Kvasir-SEG/masks/a.jpg", square_mask(40, 40, 0, 0, 8));
  testing::write_rgb(dir / "Kvasir-SEG/images/c.jpg", grey_image(40, 48));
  auto dataset = make_dataset(kvasir_options(), dir.path());
  std::string error = error_of([&] {
    dataset->list();
    check_listing(*dataset);
  });
  EXPECT_TRUE(contains(error, "images/c.jpg: no mask for this image")) << error;
  fs::remove(dir / "Kvasir-SEG/images/c.jpg");
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(error, "masks/a.jpg: mask is 40x40 but its image is 48x40")) << error;
  json options = kvasir_options();
  options["threshold"] = 100;
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

TEST(KvasirAdapter, RealSample) {
  fs::path kvasir = shared_or_skip("kvasir_seg/Kvasir-SEG");
  SKIP_WITHOUT(kvasir, "kvasir_seg/Kvasir-SEG");
  auto dataset = make_dataset({{"adapter", "kvasir"}, {"root", kvasir.string()}}, ".");
  auto refs = dataset->list();
  ASSERT_GE(refs.size(), 3u);  // the MANIFEST lists 5 pairs; the shared copy holds 3
  EXPECT_EQ(refs[0].id, "cju0qkwl35piu0993l0dewei2");
  for (const auto& ref : refs) {
    Sample s = dataset->load(ref);
    EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1})) << ref.id;
    EXPECT_EQ(s.labels.size(), s.image.size()) << ref.id;
  }
}

// ---- Retinal vessels ----

void write_drive(const TempDir& dir, const std::string& split, const std::string& nn,
                 const cv::Mat& mask) {
  fs::path root = dir / ("DRIVE/" + split);
  testing::write_rgb(root / "images" / (nn + "_" + split + ".tif"),
                     grey_image(mask.rows, mask.cols));
  testing::write_gif(root / "1st_manual" / (nn + "_manual1.gif"), mask);
  testing::write_gif(root / "mask" / (nn + "_" + split + "_mask.gif"),
            cv::Mat(mask.size(), CV_8U, cv::Scalar(255)));
}

json vessel_options(const std::string& layout, const std::string& root) {
  return {{"adapter", "vessels"}, {"layout", layout}, {"root", root}};
}

TEST(VesselAdapter, DriveListsOneSplitInOrder) {
  TempDir dir;
  write_drive(dir, "test", "02", square_mask(12, 11, 1, 1, 3));
  write_drive(dir, "test", "01", square_mask(12, 11, 5, 5, 4));
  write_drive(dir, "training", "21", square_mask(12, 11, 1, 1, 3));
  auto dataset = make_dataset(vessel_options("drive", "DRIVE"), dir.path());
  EXPECT_EQ(dataset->classes()[0].name, "vessel");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"01_test", "02_test"}));
  EXPECT_EQ(refs[0].mask, dir / "DRIVE/test/1st_manual/01_manual1.gif");
  Sample s = dataset->load(refs[0]);
  EXPECT_EQ(s.image.size(), cv::Size(11, 12));
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1}));
  EXPECT_EQ(cv::countNonZero(s.labels), 16);
  EXPECT_EQ(s.labels.at<uchar>(6, 6), 1);

  json options = vessel_options("drive", "DRIVE");
  options["split"] = "training";
  EXPECT_EQ(ids_of(make_dataset(options, dir.path())->list()),
            (std::vector<std::string>{"21_training"}));
  options["split"] = "train";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

TEST(VesselAdapter, ChaseStareAndHrfLayouts) {
  TempDir dir;
  cv::Mat mask = square_mask(10, 12, 2, 2, 5);
  testing::write_rgb(dir / "chase/Image_01R.jpg", grey_image(10, 12));
  testing::write_rgb(dir / "chase/Image_01L.jpg", grey_image(10, 12));
  write_grey(dir / "chase/Image_01L_1stHO.png", mask);
  write_grey(dir / "chase/Image_01R_1stHO.png", mask);
  write_grey(dir / "chase/Image_01L_2ndHO.png", mask);
  testing::write_rgb(dir / "stare/stare-images/im0002.ppm", grey_image(10, 12));
  cv::Mat mask_bgr;  // PPM holds colour
  cv::merge(std::vector<cv::Mat>{mask, mask, mask}, mask_bgr);
  write_grey(dir / "stare/labels-ah/im0002.ah.ppm", mask_bgr);
  testing::write_rgb(dir / "hrf/images/01_dr.JPG", grey_image(10, 12));
  testing::write_rgb(dir / "hrf/images/01_h.jpg", grey_image(10, 12));
  write_grey(dir / "hrf/manual1/01_dr.tif", mask);
  write_grey(dir / "hrf/manual1/01_h.tif", mask);
  cv::Mat fov(10, 12, CV_8U, cv::Scalar(255));
  write_grey(dir / "hrf/mask/01_dr_mask.tif", fov);
  write_grey(dir / "hrf/mask/01_h_mask.tif", fov);

  auto chase = make_dataset(vessel_options("chase", "chase"), dir.path());
  EXPECT_EQ(ids_of(chase->list()), (std::vector<std::string>{"Image_01L", "Image_01R"}));
  EXPECT_EQ(cv::countNonZero(chase->load(chase->list()[0]).labels), 25);

  json stare_options = vessel_options("stare", "stare");
  stare_options["images"] = "stare-images";
  stare_options["masks"] = "labels-ah";
  auto stare = make_dataset(stare_options, dir.path());
  ASSERT_EQ(ids_of(stare->list()), (std::vector<std::string>{"im0002"}));
  EXPECT_EQ(values_of(stare->load(stare->list()[0]).labels), (std::set<int>{0, 1}));

  auto hrf = make_dataset(vessel_options("hrf", "hrf"), dir.path());
  EXPECT_EQ(ids_of(hrf->list()), (std::vector<std::string>{"01_dr", "01_h"}));
  EXPECT_EQ(cv::countNonZero(hrf->load(hrf->list()[0]).labels), 25);
}

// The FOV clears ground truth outside it and travels with the sample, so that eval cuts the
// predictions too; `field_of_view: false` scores the whole image.
TEST(VesselAdapter, FieldOfViewLimitsTheGroundTruth) {
  TempDir dir;
  write_drive(dir, "test", "01", square_mask(12, 11, 1, 1, 6));
  cv::Mat fov = cv::Mat::zeros(12, 11, CV_8U);
  fov(cv::Rect(0, 0, 11, 4)).setTo(255);  // rows 0..3 only
  testing::write_gif(dir / "DRIVE/test/mask/01_test_mask.gif", fov);
  auto dataset = make_dataset(vessel_options("drive", "DRIVE"), dir.path());
  EXPECT_TRUE(contains(dataset->region_of_interest(), "test/mask/<image>_mask.gif"))
      << dataset->region_of_interest();
  auto refs = dataset->list();
  EXPECT_EQ(refs[0].roi, dir / "DRIVE/test/mask/01_test_mask.gif");
  Sample s = dataset->load(refs[0]);
  EXPECT_EQ(cv::countNonZero(s.roi), 44);
  EXPECT_EQ(cv::countNonZero(s.labels), 18);  // rows 1..3 of the 6x6 square

  json whole = vessel_options("drive", "DRIVE");
  whole["field_of_view"] = false;
  auto unrestricted = make_dataset(whole, dir.path());
  EXPECT_EQ(unrestricted->region_of_interest(), "");
  Sample all = unrestricted->load(unrestricted->list()[0]);
  EXPECT_TRUE(all.roi.empty());
  EXPECT_EQ(cv::countNonZero(all.labels), 36);

  testing::write_gif(dir / "DRIVE/test/mask/01_test_mask.gif", cv::Mat::zeros(12, 10, CV_8U));
  EXPECT_TRUE(contains(error_of([&] { dataset->load(refs[0]); }),
                       "01_test_mask.gif: field-of-view mask is 10x12 but its image is 11x12"));
  fs::remove(dir / "DRIVE/test/mask/01_test_mask.gif");
  EXPECT_TRUE(contains(error_of([&] { list_checked(*dataset); }),
                       "01_test.tif: no field-of-view mask for this image (expected"));
  whole["field_of_view"] = "yes";
  EXPECT_TRUE(contains(error_of([&] { make_dataset(whole, dir.path()); }), "must be true or false"));
}

TEST(VesselAdapter, BrokenLayoutsAreErrorsNamingTheFile) {
  TempDir dir;
  write_drive(dir, "test", "01", square_mask(12, 11, 1, 1, 3, 200));
  testing::write_rgb(dir / "DRIVE/test/images/03_test.tif", grey_image(12, 11));
  auto dataset = make_dataset(vessel_options("drive", "DRIVE"), dir.path());
  std::string error = error_of([&] { list_checked(*dataset); });
  EXPECT_TRUE(contains(error, "03_test.tif: no vessel mask for this image (expected")) << error;
  EXPECT_TRUE(contains(error, "1st_manual/03_manual1.gif")) << error;

  fs::remove(dir / "DRIVE/test/images/03_test.tif");
  error = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(
      contains(error, "01_manual1.gif: expected a binary mask (0 and 255), found values 0, 200"))
      << error;

  EXPECT_THROW(make_dataset(vessel_options("iostar", "DRIVE"), dir.path()), Error);
  json options = vessel_options("hrf", "hrf");
  options["split"] = "test";  // only DRIVE has splits
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
  EXPECT_TRUE(
      contains(error_of([&] { make_dataset(vessel_options("hrf", "hrf"), dir.path())->list(); }),
               "hrf/images: folder not found"));
}

TEST(VesselAdapter, RealDriveTestSplit) {
  fs::path drive = shared_or_skip("drive/DRIVE");
  SKIP_WITHOUT(drive, "drive/DRIVE");
  auto dataset = make_dataset(vessel_options("drive", drive.string()), ".");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs),
            (std::vector<std::string>{"01_test", "02_test", "03_test", "04_test", "05_test"}));
  for (const auto& ref : refs) {
    Sample s = dataset->load(ref);
    EXPECT_EQ(s.image.size(), cv::Size(565, 584)) << ref.id;
    EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1})) << ref.id;
  }
  // 01_manual1.gif has 29440 vessel pixels, 28 of them outside 01_test_mask.gif's 224377-pixel
  // field of view (counted with PIL).
  Sample first = dataset->load(refs[0]);
  EXPECT_EQ(cv::countNonZero(first.roi), 224377);
  EXPECT_EQ(cv::countNonZero(first.labels), 29412);
  json whole = vessel_options("drive", drive.string());
  whole["field_of_view"] = false;
  auto unrestricted = make_dataset(whole, ".");
  EXPECT_EQ(cv::countNonZero(unrestricted->load(unrestricted->list()[0]).labels), 29440);
}

// ---- Chest X-ray ----

json xray_options(const std::string& layout) {
  return {{"adapter", "xray"}, {"layout", layout}, {"root", layout}};
}

void write_montgomery(const TempDir& dir, const std::string& name, const cv::Mat& left,
                      const cv::Mat& right) {
  write_grey(dir / ("montgomery/CXR_png/" + name), cv::Mat(left.size(), CV_8U, cv::Scalar(100)));
  if (!left.empty()) write_grey(dir / ("montgomery/ManualMask/leftMask/" + name), left);
  if (!right.empty()) write_grey(dir / ("montgomery/ManualMask/rightMask/" + name), right);
}

TEST(XrayAdapter, MontgomeryLeftAndRightLungs) {
  TempDir dir;
  write_montgomery(dir, "MCUCXR_0002_1.png", square_mask(10, 12, 7, 2, 4),
                   square_mask(10, 12, 1, 2, 4));
  write_montgomery(dir, "MCUCXR_0001_0.png", square_mask(10, 12, 7, 2, 4),
                   square_mask(10, 12, 1, 2, 3));
  auto dataset = make_dataset(xray_options("montgomery"), dir.path());
  ASSERT_EQ(dataset->classes().size(), 2u);
  EXPECT_EQ(dataset->classes()[0].name, "left lung");
  EXPECT_EQ(dataset->classes()[1].name, "right lung");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"MCUCXR_0001_0", "MCUCXR_0002_1"}));
  Sample s = dataset->load(refs[0]);
  EXPECT_EQ(s.labels.at<uchar>(3, 8), 1);
  EXPECT_EQ(s.labels.at<uchar>(3, 2), 2);
  EXPECT_EQ(cv::countNonZero(s.labels == 1), 16);
  EXPECT_EQ(cv::countNonZero(s.labels == 2), 9);

  json options = xray_options("montgomery");
  options["merge_lungs"] = true;
  auto merged = make_dataset(options, dir.path());
  ASSERT_EQ(merged->classes().size(), 1u);
  EXPECT_EQ(merged->classes()[0].name, "lungs");
  EXPECT_EQ(values_of(merged->load(refs[0]).labels), (std::set<int>{0, 1}));
  EXPECT_EQ(cv::countNonZero(merged->load(refs[0]).labels), 25);
}

TEST(XrayAdapter, MontgomeryBrokenLayoutsAreErrors) {
  TempDir dir;
  write_montgomery(dir, "MCUCXR_0001_0.png", square_mask(10, 12, 7, 2, 4),
                   square_mask(10, 12, 5, 2, 4));
  write_montgomery(dir, "MCUCXR_0003_0.png", square_mask(10, 12, 7, 2, 4), cv::Mat());
  auto dataset = make_dataset(xray_options("montgomery"), dir.path());
  std::string error = error_of([&] { list_checked(*dataset); });
  EXPECT_TRUE(contains(error, "MCUCXR_0003_0.png: no lung mask for this image (expected")) << error;
  EXPECT_TRUE(contains(error, "rightMask/MCUCXR_0003_0.png")) << error;

  fs::remove(dir / "montgomery/CXR_png/MCUCXR_0003_0.png");
  auto ref = dataset->list()[0];
  error = error_of([&] { dataset->load(ref); });
  EXPECT_TRUE(contains(error, "rightMask/MCUCXR_0001_0.png: overlaps the left-lung mask")) << error;

  write_grey(dir / "montgomery/ManualMask/rightMask/MCUCXR_0001_0.png",
             square_mask(11, 12, 0, 0, 2));
  error = error_of([&] { dataset->load(ref); });
  EXPECT_TRUE(contains(error, "rightMask/MCUCXR_0001_0.png: mask is 12x11 but its image is 12x10"))
      << error;

  EXPECT_THROW(make_dataset(xray_options("jsrt"), dir.path()), Error);
  json options = xray_options("montgomery");
  options["merge_lungs"] = "yes";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

TEST(XrayAdapter, ShenzhenListsMaskedImagesOnly) {
  TempDir dir;
  for (const char* id : {"CHNCXR_0001_0", "CHNCXR_0002_0", "CHNCXR_0003_1"}) {
    write_grey(dir / ("shenzhen/CXR_png/" + std::string(id) + ".png"),
               cv::Mat(10, 12, CV_8U, cv::Scalar(80)));
  }
  write_grey(dir / "shenzhen/mask/CHNCXR_0003_1_mask.png", square_mask(10, 12, 1, 1, 6));
  write_grey(dir / "shenzhen/mask/CHNCXR_0001_0_mask.png",
             square_mask(10, 12, 1, 1, 2, 1));  // saved as 0/1, as some releases do
  auto dataset = make_dataset(xray_options("shenzhen"), dir.path());
  ASSERT_EQ(dataset->classes().size(), 1u);
  EXPECT_EQ(dataset->classes()[0].name, "lungs");
  auto refs = dataset->list();
  ASSERT_EQ(ids_of(refs), (std::vector<std::string>{"CHNCXR_0001_0", "CHNCXR_0003_1"}));
  EXPECT_EQ(refs[1].image, dir / "shenzhen/CXR_png/CHNCXR_0003_1.png");
  Sample s = dataset->load(refs[1]);
  EXPECT_EQ(values_of(s.labels), (std::set<int>{0, 1}));
  EXPECT_EQ(cv::countNonZero(s.labels), 36);
  EXPECT_EQ(cv::countNonZero(dataset->load(refs[0]).labels == 1), 4);

  // Issue 15, defect 16: a mask without its image is passed over and listed, as in every other
  // adapter (it was an error that stopped the listing).
  write_grey(dir / "shenzhen/mask/CHNCXR_0009_0_mask.png", square_mask(10, 12, 1, 1, 2));
  refs = dataset->list();
  EXPECT_EQ(ids_of(refs), (std::vector<std::string>{"CHNCXR_0001_0", "CHNCXR_0003_1"}));
  ASSERT_EQ(dataset->skipped_files().size(), 1u);
  EXPECT_EQ(dataset->skipped_files()[0].path, dir / "shenzhen/mask/CHNCXR_0009_0_mask.png");
  EXPECT_EQ(dataset->skipped_files()[0].reason, "a mask without its image (expected " +
                                                    (dir / "shenzhen/CXR_png/CHNCXR_0009_0.png").string() + ")");
  EXPECT_FALSE(dataset->skipped_files()[0].sample);

  json options = xray_options("shenzhen");
  options["merge_lungs"] = true;  // Shenzhen masks hold both lungs already
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

}  // namespace
}  // namespace sambench
