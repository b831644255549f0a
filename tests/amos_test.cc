// The amos adapter and the volume reader, on small generated volumes and, where
// ../shared/data is present, on real CT data read in place.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fixtures/dicom_series.h"
#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/dataset.h"
#include "sambench/base/error.h"
#include "sambench/data/volume_io.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

// 40x30x6 at 0.8x0.8x5 mm, stored as a NIfTI in RAS (ITK sees x and y flipped against LPS),
// which the reader must turn back to RAI.
constexpr int W = 40, H = 30, D = 6;

VolumeGeometry ras_geometry() {
  VolumeGeometry g;
  g.size = {W, H, D};
  g.spacing = {0.8, 0.8, 5.0};
  g.origin = {10.0, 20.0, -30.0};
  g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  return g;
}

size_t at(int i, int j, int k) { return (size_t(k) * H + j) * W + i; }

// Where stored voxel (i, j) of a RAS volume lands in an RAI slice: both in-plane axes flip.
cv::Point rai_pixel(int i, int j) { return {W - 1 - i, H - 1 - j}; }

Volume ct_volume(float fill = -500.0f) {
  Volume v;
  v.geometry = ras_geometry();
  v.voxels.assign(size_t(W) * H * D, fill);
  return v;
}

LabelVolume label_volume() {
  LabelVolume v;
  v.geometry = ras_geometry();
  v.voxels.assign(size_t(W) * H * D, 0);
  return v;
}

void write_case(const fs::path& root, const std::string& id, const Volume& image,
                const LabelVolume& labels) {
  fs::create_directories(root / "imagesVa");
  fs::create_directories(root / "labelsVa");
  write_volume(root / "imagesVa" / (id + ".nii.gz"), image);
  write_label_volume(root / "labelsVa" / (id + ".nii.gz"), labels);
}

json amos_options(json extra = json::object()) {
  json options = {{"adapter", "amos"}, {"root", "amos"}};
  options.update(extra);
  return options;
}

using testing::contains;
using testing::error_of;

TEST(Amos, ListsOneRefPerAxialSlice) {
  TempDir dir;
  write_case(dir / "amos", "amos_0002", ct_volume(), label_volume());
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  auto dataset = make_dataset(amos_options(), dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), 2u * D);
  EXPECT_EQ(refs[0].id, "amos_0001/000");
  EXPECT_EQ(refs[5].id, "amos_0001/005");
  EXPECT_EQ(refs[6].id, "amos_0002/000");
  EXPECT_EQ(refs[7].case_id, "amos_0002");
  EXPECT_EQ(refs[7].slice, 1);
  EXPECT_EQ(refs[7].group, "ct");
  EXPECT_EQ(refs[7].image, dir / "amos/imagesVa/amos_0002.nii.gz");
  EXPECT_EQ(refs[7].mask, dir / "amos/labelsVa/amos_0002.nii.gz");
  ASSERT_EQ(dataset->classes().size(), 15u);
  EXPECT_EQ(dataset->classes()[7].name, "aorta");
  EXPECT_EQ(dataset->classes()[14].label, 15);
}

TEST(Amos, CtWindowMapsHounsfieldToGrey) {
  TempDir dir;
  Volume ct = ct_volume();
  ct.voxels[at(0, 0, 2)] = -991.0f;
  ct.voxels[at(1, 0, 2)] = 362.0f;
  ct.voxels[at(2, 0, 2)] = -314.5f;  // the window's middle
  ct.voxels[at(3, 0, 2)] = -3000.0f;
  ct.voxels[at(4, 0, 2)] = 3000.0f;
  write_case(dir / "amos", "amos_0001", ct, label_volume());
  auto dataset = make_dataset(amos_options(), dir.path());
  Sample s = dataset->load(dataset->list()[2]);
  ASSERT_EQ(s.image.type(), CV_8UC3);
  ASSERT_EQ(s.image.size(), cv::Size(W, H));
  auto grey = [&](int i) { return s.image.at<cv::Vec3b>(rai_pixel(i, 0)); };
  EXPECT_EQ(grey(0), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(grey(1), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(grey(2)[0], 128);
  EXPECT_EQ(grey(3)[1], 0);
  EXPECT_EQ(grey(4)[2], 255);
  EXPECT_NEAR(s.spacing.x, 0.8, 1e-6);  // NIfTI stores float32
  EXPECT_NEAR(s.spacing.y, 0.8, 1e-6);
}

TEST(Amos, SlicesAreRadiological) {
  // A marker on the patient's right, anterior, in slice 4: it must appear on the image's left,
  // near the top.
  TempDir dir;
  LabelVolume labels = label_volume();
  Volume ct = ct_volume();
  // Stored RAS: index i grows towards the patient's right and j towards anterior, so
  // (35, 27) is near the right-anterior corner (LPS x = 10 - 28 mm, y = 20 - 21.6 mm).
  VolumeGeometry g = ras_geometry();
  int i = 35, j = 27;
  labels.voxels[at(i, j, 4)] = 7;
  ct.voxels[at(i, j, 4)] = 362.0f;
  write_case(dir / "amos", "amos_0001", ct, labels);
  auto dataset = make_dataset(amos_options(), dir.path());
  Sample s = dataset->load(dataset->list()[4]);
  ASSERT_EQ(s.labels.type(), CV_16U);
  cv::Point p = rai_pixel(i, j);
  EXPECT_EQ(p, cv::Point(4, 2));  // left, top
  EXPECT_EQ(s.labels.at<uint16_t>(p), 7);
  EXPECT_EQ(cv::countNonZero(s.labels), 1);
  EXPECT_EQ(s.image.at<cv::Vec3b>(p)[0], 255);
  // The reader reports the RAI grid: identity direction, origin at the right-anterior corner.
  Volume read = read_volume(dir / "amos/imagesVa/amos_0001.nii.gz");
  EXPECT_NEAR(read.geometry.direction[0], 1.0, 1e-6);
  EXPECT_NEAR(read.geometry.direction[4], 1.0, 1e-6);
  EXPECT_NEAR(read.geometry.origin[0], g.origin[0] - 0.8 * (W - 1), 1e-4);
  EXPECT_NEAR(read.geometry.origin[1], g.origin[1] - 0.8 * (H - 1), 1e-4);
  EXPECT_EQ(cv::countNonZero(dataset->load(dataset->list()[3]).labels), 0);
}

// A scanner-like DICOM series (position and orientation tags, files named in reverse slice
// order) with its labels as NIfTI on the same grid: the series is stacked by position and
// reoriented like a NIfTI, so a right-anterior marker in slice 4 lands top-left of slice 4.
TEST(AmosDicom, SeriesIsStackedByPositionAndReoriented) {
  TempDir dir;
  Volume ct = ct_volume();
  LabelVolume labels = label_volume();
  for (int k = 0; k < D; ++k) {
    for (size_t p = 0; p < ct.slice_pixels(); ++p) ct.voxels[size_t(k) * ct.slice_pixels() + p] = -900.0f + 100.0f * k;
  }
  int i = 35, j = 27;
  labels.voxels[at(i, j, 4)] = 7;
  ct.voxels[at(i, j, 4)] = 362.0f;
  testing::write_dicom_series(dir / "amos/imagesVa/amos_0001", ct);
  fs::create_directories(dir / "amos/labelsVa");
  write_label_volume(dir / "amos/labelsVa/amos_0001.nii.gz", labels);

  VolumeGeometry g = read_geometry(dir / "amos/imagesVa/amos_0001");
  EXPECT_TRUE(same_grid(g, ras_geometry(), 1e-4)) << g.origin[0] << " " << g.origin[2] << " " << g.direction[0];
  auto dataset = make_dataset(amos_options(), dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), size_t(D));
  for (int k : {0, 4, 5}) {
    Sample s = dataset->load(refs[k]);
    // Slice k's HU is -900 + 100 k; the window [-991, 362] maps it to 255 (HU + 991) / 1353.
    int expected = int(std::lround(255.0 * (100.0 * k + 91.0) / 1353.0));
    EXPECT_NEAR(s.image.at<cv::Vec3b>(10, 10)[0], expected, 1) << "slice " << k;
  }
  Sample s = dataset->load(refs[4]);
  cv::Point p = rai_pixel(i, j);
  EXPECT_EQ(s.labels.at<uint16_t>(p), 7);
  EXPECT_EQ(s.image.at<cv::Vec3b>(p)[0], 255);
  EXPECT_NEAR(s.spacing.x, 0.8, 1e-6);
}

TEST(Amos, MriUsesVolumePercentiles) {
  TempDir dir;
  Volume mri = ct_volume();
  for (size_t n = 0; n < mri.voxels.size(); ++n) mri.voxels[n] = float(n);  // 0..7199
  write_case(dir / "amos", "amos_0507", mri, label_volume());
  auto dataset = make_dataset(amos_options({{"modality", "mri"}}), dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), size_t(D));
  EXPECT_EQ(refs[0].group, "mri");
  // numpy.percentile(range(7200), [0.5, 99.5]) = 35.995, 7163.005
  auto grey_of = [&](size_t n) {
    int k = int(n / (W * H)), j = int(n / W % H), i = int(n % W);
    return int(dataset->load(refs[k]).image.at<cv::Vec3b>(rai_pixel(i, j))[0]);
  };
  EXPECT_EQ(grey_of(30), 0);
  EXPECT_EQ(grey_of(7170), 255);
  EXPECT_EQ(grey_of(3600), 128);  // (3600 - 35.995) / 7127.01 * 255 = 127.5
  EXPECT_EQ(grey_of(1000), 34);   // 34.49
}

TEST(Amos, ModalityFiltersByCaseNumber) {
  TempDir dir;
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  write_case(dir / "amos", "amos_0500", ct_volume(), label_volume());
  auto cases = [&](const std::string& modality) {
    std::set<std::string> out;
    for (const auto& r : make_dataset(amos_options({{"modality", modality}}), dir.path())->list()) {
      out.insert(r.case_id + ":" + r.group);
    }
    return out;
  };
  EXPECT_EQ(cases("ct"), (std::set<std::string>{"amos_0001:ct"}));
  EXPECT_EQ(cases("mri"), (std::set<std::string>{"amos_0500:mri"}));
  EXPECT_EQ(cases("all"), (std::set<std::string>{"amos_0001:ct", "amos_0500:mri"}));
  auto only = make_dataset(amos_options({{"modality", "all"}, {"case_ids", {"amos_0500"}}}),
                           dir.path());
  EXPECT_EQ(only->list().size(), size_t(D));
  EXPECT_TRUE(contains(error_of([&] { make_dataset(amos_options({{"modality", "pet"}}), dir.path()); }),
                       "modality"));
}

TEST(Amos, KeepsTheLastCaseInMemory) {
  TempDir dir;
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  auto dataset = make_dataset(amos_options(), dir.path());
  auto refs = dataset->list();
  dataset->load(refs[0]);
  fs::remove_all(dir / "amos/imagesVa");  // a second read would fail now
  EXPECT_NO_THROW(dataset->load(refs[5]));
}

TEST(Amos, SizeMismatchNamesTheLabelFile) {
  TempDir dir;
  LabelVolume labels = label_volume();
  labels.geometry.size[2] = D - 1;
  labels.voxels.resize(size_t(W) * H * (D - 1));
  write_case(dir / "amos", "amos_0001", ct_volume(), labels);
  auto dataset = make_dataset(amos_options(), dir.path());
  auto refs = dataset->list();
  std::string e = error_of([&] { dataset->load(refs[0]); });
  EXPECT_TRUE(contains(e, "labelsVa/amos_0001.nii.gz: label volume is 40x30x5 but its image is 40x30x6"))
      << e;
}

TEST(Amos, GeometryMismatchIsAnError) {
  TempDir dir;
  LabelVolume labels = label_volume();
  labels.geometry.spacing[0] = 0.9;
  write_case(dir / "amos", "amos_0001", ct_volume(), labels);
  auto dataset = make_dataset(amos_options(), dir.path());
  std::string e = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(e, "labelsVa/amos_0001.nii.gz: label volume's spacing")) << e;
}

TEST(Amos, NanVoxelNamesTheImage) {
  TempDir dir;
  Volume ct = ct_volume();
  ct.voxels[at(5, 5, 5)] = std::nanf("");
  write_case(dir / "amos", "amos_0001", ct, label_volume());
  auto dataset = make_dataset(amos_options(), dir.path());
  std::string e = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(e, "imagesVa/amos_0001.nii.gz: 1 voxel(s) are NaN or infinite")) << e;
}

TEST(Amos, InfiniteVoxelsNameTheImage) {
  TempDir dir;
  Volume ct = ct_volume();
  ct.voxels[at(5, 5, 5)] = std::numeric_limits<float>::infinity();
  ct.voxels[at(6, 5, 5)] = -std::numeric_limits<float>::infinity();
  write_case(dir / "amos", "amos_0001", ct, label_volume());
  auto dataset = make_dataset(amos_options(), dir.path());
  std::string e = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(e, "imagesVa/amos_0001.nii.gz: 2 voxel(s) are NaN or infinite")) << e;
}

TEST(Amos, GarbageInPlaceOfANiftiNamesTheFile) {
  TempDir dir;
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  fs::path labels = dir / "amos/labelsVa/amos_0001.nii.gz";
  testing::write_text(labels, "this is no NIfTI file");
  std::string e = error_of([&] {
    auto dataset = make_dataset(amos_options(), dir.path());
    dataset->load(dataset->list()[0]);
  });
  EXPECT_TRUE(contains(e, labels.string() + ": ")) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(Amos, TruncatedFileNamesTheFile) {
  TempDir dir;
  Volume ct = ct_volume();
  for (size_t n = 0; n < ct.voxels.size(); ++n) ct.voxels[n] = float(n % 977);  // compresses poorly
  write_case(dir / "amos", "amos_0001", ct, label_volume());
  fs::path image = dir / "amos/imagesVa/amos_0001.nii.gz";
  std::string bytes = read_file(image);
  testing::write_text(image, bytes.substr(0, bytes.size() / 2));
  auto dataset = make_dataset(amos_options(), dir.path());
  std::string e = error_of([&] { dataset->load(dataset->list()[0]); });
  EXPECT_TRUE(contains(e, image.string() + ": ")) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// A label volume without its image is listed as passed over instead of vanishing.
TEST(Amos, LabelWithoutItsImageIsListed) {
  TempDir dir;
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  write_case(dir / "amos", "amos_0002", ct_volume(), label_volume());
  fs::remove(dir / "amos/imagesVa/amos_0002.nii.gz");
  auto dataset = make_dataset(amos_options(), dir.path());
  EXPECT_EQ(dataset->list().size(), static_cast<size_t>(D));
  ASSERT_EQ(dataset->skipped_files().size(), 1u);
  EXPECT_EQ(dataset->skipped_files()[0].path, dir / "amos/labelsVa/amos_0002.nii.gz");
  EXPECT_EQ(dataset->skipped_files()[0].reason, "a label volume without its image");
}

TEST(Amos, MissingLabelFileIsNamed) {
  TempDir dir;
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  fs::remove(dir / "amos/labelsVa/amos_0001.nii.gz");
  std::string e = error_of([&] { make_dataset(amos_options(), dir.path())->list(); });
  EXPECT_TRUE(contains(e, "labelsVa/amos_0001.nii.gz: label volume not found (for image amos_0001.nii.gz)"))
      << e;
}

TEST(Amos, UnknownLabelsAreErrorsOrBackground) {
  TempDir dir;
  LabelVolume labels = label_volume();
  labels.voxels[at(1, 1, 1)] = 16;
  labels.voxels[at(2, 1, 1)] = 6;
  write_case(dir / "amos", "amos_0001", ct_volume(), labels);
  auto strict = make_dataset(amos_options(), dir.path());
  std::string e = error_of([&] { strict->load(strict->list()[1]); });
  EXPECT_TRUE(contains(e, "labelsVa/amos_0001.nii.gz: label value(s) 16 not in the class map")) << e;

  auto lenient = make_dataset(amos_options({{"other_labels", "background"}}), dir.path());
  Sample s = lenient->load(lenient->list()[1]);
  EXPECT_EQ(s.labels.at<uint16_t>(rai_pixel(1, 1)), 0);
  EXPECT_EQ(s.labels.at<uint16_t>(rai_pixel(2, 1)), 6);
}

TEST(Amos, DatasetJsonMustHaveSixteenLabels) {
  TempDir dir;
  write_case(dir / "amos", "amos_0001", ct_volume(), label_volume());
  testing::write_text(dir / "amos/dataset.json", R"({"labels": {"0": "background", "1": "spleen"}})");
  std::string e = error_of([&] { make_dataset(amos_options(), dir.path()); });
  EXPECT_TRUE(contains(e, "dataset.json: lists 2 labels; AMOS has 16")) << e;
  // Explicit classes do not consult it.
  EXPECT_NO_THROW(make_dataset(amos_options({{"classes", {{"1", "spleen"}}}}), dir.path()));
}

TEST(Volume, RaiGeometryPredictsTheReader) {
  // Axes stored permuted and flipped: index 0 runs inferior, 1 runs left, 2 runs anterior.
  TempDir dir;
  LabelVolume labels;
  labels.geometry.size = {6, 40, 30};
  labels.geometry.spacing = {5.0, 0.8, 0.7};
  labels.geometry.origin = {1, 2, 3};
  labels.geometry.direction = {0, 1, 0,  //
                               0, 0, -1,  //
                               -1, 0, 0};
  labels.voxels.assign(6 * 40 * 30, 0);
  labels.voxels[0] = 3;  // stored (0,0,0): most superior, right, posterior
  write_label_volume(dir / "p.nii.gz", labels);
  VolumeGeometry stored = read_geometry(dir / "p.nii.gz");
  VolumeGeometry predicted = rai_geometry(stored);
  LabelVolume read = read_label_volume(dir / "p.nii.gz");
  EXPECT_TRUE(same_grid(predicted, read.geometry, 1e-4));
  EXPECT_EQ(read.geometry.size, (std::array<int, 3>{40, 30, 6}));
  EXPECT_DOUBLE_EQ(read.geometry.spacing[2], 5.0);
  // Right -> column 0, posterior -> last row, superior -> last slice.
  EXPECT_EQ(read.voxels[(size_t(5) * 30 + 29) * 40 + 0], 3);
}

TEST(Volume, MissingFileIsNamed) {
  std::string e = error_of([] { read_geometry("/nonexistent/x.nii.gz"); });
  EXPECT_EQ(e, "/nonexistent/x.nii.gz: file not found");
}

// --- Real data, read in place from ../shared/data/abdominal_ct.

fs::path real(const std::string& relative) {
  fs::path base = testing::shared_data();
  if (base.empty()) return {};
  fs::path p = base / "abdominal_ct" / relative;
  std::error_code ec;
  return fs::exists(p, ec) ? p : fs::path();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(AmosReal, OfficialLabelVolume) {
  fs::path file = real("amos22_label_only/labelsVa/amos_0013.nii.gz");
  if (file.empty()) GTEST_SKIP() << "shared data absent: amos22_label_only/labelsVa/amos_0013.nii.gz";
  LabelVolume labels = read_label_volume(file);
  EXPECT_EQ(labels.geometry.size, (std::array<int, 3>{512, 512, 82}));
  EXPECT_NEAR(labels.geometry.spacing[0], 0.781, 1e-3);
  std::set<int> values(labels.voxels.begin(), labels.voxels.end());
  EXPECT_EQ(*values.rbegin(), 15);
  EXPECT_EQ(values.size(), 16u);
}

// Centroid of `label` in a slice, or (-1, -1).
cv::Point2d centroid(const cv::Mat& labels, int label) {
  cv::Moments m = cv::moments(labels == label, true);
  return m.m00 > 0 ? cv::Point2d(m.m10 / m.m00, m.m01 / m.m00) : cv::Point2d(-1, -1);
}

TEST(AmosReal, TotalSegmentatorCtIsRadiological) {
  fs::path ct = real("totalsegmentator_example/example_ct_sm.nii.gz");
  fs::path seg = real("totalsegmentator_example/example_seg.nii.gz");
  if (ct.empty() || seg.empty()) GTEST_SKIP() << "shared data absent: totalsegmentator_example";
  TempDir dir;  // symlinks, nothing copied
  fs::create_directories(dir / "ts/imagesTs");
  fs::create_directories(dir / "ts/labelsTs");
  fs::create_symlink(ct, dir / "ts/imagesTs/amos_0001.nii.gz");
  fs::create_symlink(seg, dir / "ts/labelsTs/amos_0001.nii.gz");
  json options = {{"adapter", "amos"},       {"root", "ts"},
                  {"images", "imagesTs"},    {"labels", "labelsTs"},
                  {"other_labels", "background"},
                  {"classes", {{"1", "spleen"}, {"2", "kidney_right"}, {"3", "kidney_left"}, {"5", "liver"}}}};
  auto dataset = make_dataset(options, dir.path());

  auto start = std::chrono::steady_clock::now();
  auto refs = dataset->list();
  double list_s = seconds_since(start);
  ASSERT_EQ(refs.size(), 30u);
  start = std::chrono::steady_clock::now();
  Sample first = dataset->load(refs[0]);
  double first_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  Sample next = dataset->load(refs[1]);
  double next_s = seconds_since(start);
  std::cout << "[ timing ] list " << list_s * 1e3 << " ms, first slice " << first_s * 1e3
            << " ms, next slice " << next_s * 1e3 << " ms\n";
  EXPECT_EQ(first.image.size(), cv::Size(122, 101));
  EXPECT_NEAR(first.spacing.x, 3.0, 1e-3);

  // Pick the slice with the most spleen and kidney: organs on both sides.
  int best = -1, best_area = 0;
  for (const auto& ref : refs) {
    cv::Mat l = dataset->load(ref).labels;
    int area = std::min(cv::countNonZero(l == 1), cv::countNonZero(l == 2));
    if (area > best_area) best_area = area, best = ref.slice;
  }
  ASSERT_GE(best, 0) << "no slice holds both spleen and right kidney";
  Sample s = dataset->load(refs[best]);
  int w = s.image.cols, h = s.image.rows;
  cv::Point2d spleen = centroid(s.labels, 1), kidney_right = centroid(s.labels, 2);
  std::cout << "[ orient ] slice " << best << ": spleen at " << spleen << ", right kidney at "
            << kidney_right << " in " << w << "x" << h << "\n";
  EXPECT_GT(spleen.x, w / 2.0) << "spleen (patient's left) must be on the image's right";
  EXPECT_LT(kidney_right.x, w / 2.0) << "right kidney must be on the image's left";
  EXPECT_GT(kidney_right.y, h / 2.0) << "kidneys are posterior: lower half";
  // The spine and back muscles (dense) are at the bottom; the top rows are air or fat.
  cv::Mat grey;
  cv::extractChannel(s.image, grey, 0);
  double top = cv::mean(grey.rowRange(0, h / 4))[0];
  double bottom = cv::mean(grey.rowRange(h - h / 4, h))[0];
  std::cout << "[ orient ] mean grey top quarter " << top << ", bottom quarter " << bottom << "\n";
  EXPECT_GT(bottom, top);
}

TEST(AmosReal, DicomSeriesWithNiftiLabels) {
  fs::path series = real("totalsegmentator_example/example_ct_dicom");
  fs::path seg = real("totalsegmentator_example/example_seg_dicom.nii.gz");
  if (series.empty() || seg.empty()) GTEST_SKIP() << "shared data absent: example_ct_dicom";
  VolumeGeometry g = read_geometry(series);
  EXPECT_EQ(rai_geometry(g).size, (std::array<int, 3>{512, 512, 20}));
  EXPECT_NEAR(g.spacing[0], 0.977, 1e-3);
  EXPECT_NEAR(g.spacing[1], 0.977, 1e-3);
  EXPECT_NEAR(g.spacing[2], 2.0, 1e-3);

  TempDir dir;
  fs::create_directories(dir / "d/images");
  fs::create_directories(dir / "d/labels");
  fs::create_directory_symlink(series, dir / "d/images/amos_0002");
  fs::create_symlink(seg, dir / "d/labels/amos_0002.nii.gz");
  json options = {{"adapter", "amos"}, {"root", "d"}, {"images", "images"}, {"labels", "labels"},
                  {"other_labels", "background"}, {"classes", {{"5", "liver"}}}};
  auto dataset = make_dataset(options, dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), 20u);
  auto start = std::chrono::steady_clock::now();
  Sample s = dataset->load(refs[10]);
  std::cout << "[ timing ] DICOM series first slice " << seconds_since(start) * 1e3 << " ms\n";
  EXPECT_EQ(s.image.size(), cv::Size(512, 512));
  EXPECT_NEAR(s.spacing.y, 0.977, 1e-3);
}

// One slice file of a real DICOM series cut in half: the error names the series and stays one line.
TEST(AmosReal, TruncatedDicomSliceNamesTheSeries) {
  fs::path series = real("totalsegmentator_example/example_ct_dicom");
  if (series.empty()) GTEST_SKIP() << "shared data absent: example_ct_dicom";
  TempDir dir;
  fs::copy(series, dir / "series");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "series")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::string bytes = read_file(files[files.size() / 2]);
  testing::write_text(files[files.size() / 2], bytes.substr(0, bytes.size() / 2));
  std::string e = error_of([&] { read_volume(dir / "series"); });
  EXPECT_TRUE(contains(e, (dir / "series").string())) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// A label file stored as float: whole non-negative values read as labels, others are named
// errors (ITK alone would cast them to uint16, which is undefined for negative values).
TEST(Volume, FloatLabelFileIsCheckedNotCast) {
  TempDir dir;
  Volume labels = ct_volume(0.0f);
  labels.voxels[at(1, 2, 3)] = 7.0f;
  write_volume(dir / "ok.nii.gz", labels);
  LabelVolume read = read_label_volume(dir / "ok.nii.gz");  // reoriented: the 7 moves
  EXPECT_EQ(std::count(read.voxels.begin(), read.voxels.end(), 7), 1);
  for (float bad : {-100.0f, 2.5f, 70000.0f}) {
    labels.voxels[at(1, 2, 3)] = bad;
    write_volume(dir / "bad.nii.gz", labels);
    std::string e = error_of([&] { read_label_volume(dir / "bad.nii.gz"); });
    EXPECT_TRUE(contains(e, "bad.nii.gz: label volume holds")) << e;
  }
}

TEST(Volume, ToStoredOrientationUndoesTheReorientation) {
  TempDir dir;
  LabelVolume labels = label_volume();
  labels.voxels[at(3, 5, 2)] = 7;
  labels.voxels[at(W - 1, 0, D - 1)] = 9;
  write_label_volume(dir / "l.nii.gz", labels);
  LabelVolume rai = read_label_volume(dir / "l.nii.gz");  // reoriented on read
  LabelVolume back = to_stored_orientation(rai, read_geometry(dir / "l.nii.gz"));
  EXPECT_TRUE(same_grid(back.geometry, ras_geometry()));
  EXPECT_EQ(back.voxels, labels.voxels);
}

}  // namespace
}  // namespace sambench
