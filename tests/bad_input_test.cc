// Hostile and mistaken inputs, each refused with one line naming the file and the reason instead
// of a crash, a wrap-around or a silent default (docs/reliability.md, "What we tried").

#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/data/config.h"
#include "sambench/data/dataset.h"
#include "sambench/data/image_io.h"
#include "sambench/data/volume_io.h"
#include "sambench/model/model_metadata.h"
#include "sambench/model/preprocess.h"
#include "sambench/model/sam_model.h"
#include "sambench/prompts/prompt_log.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::contains;
using testing::error_of;
using testing::TempDir;
using testing::write_text;

const std::string kHead = "dataset: {adapter: folder, root: data}\nmodel: {path: m.pt}\n";

std::string load_error(const TempDir& dir, const std::string& yaml) {
  write_text(dir / "c.yaml", yaml);
  return error_of([&] { validate(load_config(dir / "c.yaml")); });
}

TEST(BadConfig, AliasBombIsRefusedBeforeItExpands) {
  TempDir dir;
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + "," + prev + "," + prev + "," +
            prev + "," + prev + "," + prev + "," + prev + "," + prev + "," + prev + "," + prev + "]\n";
  }
  const std::string error = load_error(dir, kHead + yaml);
  EXPECT_TRUE(contains(error, "c.yaml: config expands to more than 100000 values")) << error;
}

TEST(BadConfig, OversizedFileIsRefused) {
  TempDir dir;
  const std::string error = load_error(dir, kHead + "name: " + std::string(kMaxConfigBytes, 'x') + "\n");
  EXPECT_TRUE(contains(error, "c.yaml: config is larger than 1024 KiB")) << error;
}

TEST(BadConfig, IntegersThatDoNotFitAreRefusedNotWrapped) {
  TempDir dir;
  std::string error = load_error(dir, kHead + "run: {limit: 4294967297}\n");
  EXPECT_TRUE(contains(error, "'run.limit' must be an integer from -2147483648 to 2147483647, not 4294967297"))
      << error;
  error = load_error(dir, kHead + "run: {threads: 4294967297}\n");
  EXPECT_TRUE(contains(error, "'run.threads' must be an integer")) << error;
  error = load_error(dir, kHead + "metrics: {bootstrap: 99999999999}\n");
  EXPECT_TRUE(contains(error, "'metrics.bootstrap' must be an integer")) << error;
  error = load_error(dir, kHead + "run: {threads: 2.5}\n");
  EXPECT_TRUE(contains(error, "'run.threads' must be an integer")) << error;
  // The message says what min_area takes, not "must be >= 1".
  error = load_error(dir, kHead + "instances: {min_area: 1e300}\n");
  EXPECT_TRUE(contains(error, "'instances.min_area' must be an integer from")) << error;
}

TEST(BadConfig, CountsHaveUpperBoundsCheckedBeforeTheModelLoads) {
  TempDir dir;
  EXPECT_TRUE(contains(load_error(dir, kHead + "metrics: {bootstrap: 200000}\n"),
                       "'metrics.bootstrap' must be from 0 to 100000 (0 = no intervals), not 200000"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "run: {threads: 100000}\n"),
                       "'run.threads' must be from 0 to 256"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "run: {prefetch: 1000}\n"), "'run.prefetch' must be from 0 to 64"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "run: {metric_workers: 5000}\n"),
                       "'run.metric_workers' must be from -1 to 256"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "run: {workers: -2}\n"), "'run.workers' must be from -1 to 256"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "run: {decode_batch: 100000}\n"),
                       "'run.decode_batch' must be from 0 to 4096"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "instances: {min_area: 2000000000}\n"),
                       "'instances.min_area' must be from 1 to 100000000"));
  EXPECT_TRUE(contains(load_error(dir, kHead + "metrics: {nsd_tolerance_mm: .inf}\n"),
                       "'metrics.nsd_tolerance_mm' must be > 0 and <= 1000"));
  EXPECT_EQ(load_error(dir, kHead + "run: {threads: 256, prefetch: 64}\nmetrics: {bootstrap: 100000}\n"),
            "(no error)");
  // An older config's metric_workers still loads beside the pool's size.
  EXPECT_EQ(load_error(dir, kHead + "run: {workers: 3, metric_workers: 0}\n"), "(no error)");
}

TEST(BadConfig, DuplicateKeysAreErrorsNamingTheLine) {
  TempDir dir;
  std::string error = load_error(dir, kHead + "prompt: centroid\nprompt: box\n");
  EXPECT_TRUE(contains(error, "c.yaml: invalid config: line 4: key 'prompt' is given twice (first on line 3)"))
      << error;
  error = load_error(dir, kHead + "run:\n  threads: 1\n  threads: 2\n");
  EXPECT_TRUE(contains(error, "line 5: key 'threads' is given twice (first on line 4)")) << error;
}

TEST(BadConfig, NullValueIsAnErrorNotTheDefault) {
  TempDir dir;
  std::string error = load_error(dir, kHead + "mask_policy: null\n");
  EXPECT_TRUE(contains(error, "c.yaml: invalid config: line 3: 'mask_policy' has no value")) << error;
  error = load_error(dir, kHead + "run: {limit: ~}\n");
  EXPECT_TRUE(contains(error, "'limit' has no value")) << error;
  // A section left empty (its keys commented out) is still fine.
  EXPECT_EQ(load_error(dir, kHead + "run:\n  # threads: 2\nmetrics:\n"), "(no error)");
}

TEST(BadConfig, AFolderIsNotAConfigFile) {
  TempDir dir;
  fs::create_directories(dir / "configs");
  const std::string error = error_of([&] { load_config(dir / "configs"); });
  EXPECT_TRUE(contains(error, "configs: is a folder; --config takes a YAML file")) << error;
  EXPECT_TRUE(contains(error_of([&] { load_config(dir / "none.yaml"); }), "none.yaml: config file not found"));
}

// A FIFO or a device named as the config or the model used to say "model file not found" (the
// model) or could block the run forever on open (a FIFO nobody writes to). ctest's timeout is
// what catches a hang here.
TEST(BadConfig, AFifoOrDeviceIsNotAConfigFileAndNeverBlocks) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.yaml").c_str(), 0600), 0);
  std::string error = error_of([&] { load_config(dir / "pipe.yaml"); });
  EXPECT_TRUE(contains(error, "pipe.yaml: is not a regular file (a FIFO, device or socket)")) << error;
  error = error_of([&] { load_config("/dev/zero"); });
  EXPECT_TRUE(contains(error, "/dev/zero: is not a regular file")) << error;
}

TEST(BadModel, AFifoOrDeviceIsNotARegularFileNotAMissingOne) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.pt").c_str(), 0600), 0);
  std::string error = error_of([&] { SamModel::load(dir / "pipe.pt", "cpu"); });
  EXPECT_EQ(error, (dir / "pipe.pt").string() + ": is not a regular file (a FIFO, device or folder); a model is a .pt file");
  fs::create_symlink("/dev/zero", dir / "zero.pt");
  error = error_of([&] { SamModel::load(dir / "zero.pt", "cpu"); });
  EXPECT_TRUE(contains(error, "zero.pt: is not a regular file")) << error;
  EXPECT_TRUE(contains(error_of([&] { SamModel::load(dir / "none.pt", "cpu"); }), "none.pt: model file not found"));
}

TEST(BadPath, ErrorsPrintPathsWithoutDotSegments) {
  EXPECT_STREQ(Error(fs::path("data/./images/a.png"), "bad").what(), "data/images/a.png: bad");
}

TEST(BadImage, ExtremeAspectRatioIsRefusedNamingTheFile) {
  TempDir dir;
  cv::Mat thin(1, 5000, CV_8UC3, cv::Scalar(10, 20, 30));
  ASSERT_TRUE(cv::imwrite((dir / "thin.png").string(), thin));
  const std::string error = error_of([&] { read_rgb(dir / "thin.png"); });
  EXPECT_TRUE(contains(error, "thin.png: image is 5000x1: an aspect ratio beyond 2048:1")) << error;
  cv::Mat narrow(1, 2048, CV_8UC3, cv::Scalar(10, 20, 30));  // the widest SAM still resizes
  ASSERT_TRUE(cv::imwrite((dir / "narrow.png").string(), narrow));
  EXPECT_EQ(read_rgb(dir / "narrow.png").cols, 2048);
}

TEST(BadImage, SliceTooThinForTheResizeIsAnErrorNotACrash) {
  EXPECT_TRUE(contains(error_of([] { longest_side_transform(1, 5000, 1024); }),
                       "image is 5000x1: too narrow to resize to 1024 pixels"));
  EXPECT_EQ(longest_side_transform(1, 2048, 1024).new_h, 1);
}

// A JPEG with an EXIF APP1 segment holding only the orientation tag (little-endian TIFF).
std::string jpeg_with_orientation(const cv::Mat& bgr, int orientation) {
  std::vector<uchar> encoded;
  cv::imencode(".jpg", bgr, encoded);
  const unsigned char tiff[] = {'I', 'I', 42, 0, 8, 0, 0, 0,                  // header, IFD0 at 8
                                1, 0,                                         // one entry
                                0x12, 0x01, 3, 0, 1, 0, 0, 0,                 // orientation, SHORT, 1
                                static_cast<unsigned char>(orientation), 0, 0, 0,  // its value
                                0, 0, 0, 0};                                  // no next IFD
  std::string app1 = std::string("Exif\0\0", 6) + std::string(reinterpret_cast<const char*>(tiff), sizeof(tiff));
  const size_t length = app1.size() + 2;
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>(length >> 8);
  segment += static_cast<char>(length & 0xFF);
  std::string jpeg(encoded.begin(), encoded.end());
  return jpeg.substr(0, 2) + segment + app1 + jpeg.substr(2);
}

TEST(BadImage, ExifOrientationIsIgnoredSoImageAndMaskShareTheStoredGrid) {
  TempDir dir;
  cv::Mat bgr(30, 50, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr(cv::Rect(0, 0, 10, 30)).setTo(cv::Scalar(255, 255, 255));  // a bright band on the left
  write_text(dir / "rotated.jpg", jpeg_with_orientation(bgr, 6));
  write_text(dir / "plain.jpg", jpeg_with_orientation(bgr, 1));
  EXPECT_TRUE(has_orientation_tag(dir / "rotated.jpg"));
  EXPECT_FALSE(has_orientation_tag(dir / "plain.jpg"));
  // Non-square: read as stored, 50x30, not rotated to 30x50.
  cv::Mat rgb = read_rgb(dir / "rotated.jpg");
  EXPECT_EQ(rgb.cols, 50);
  EXPECT_EQ(rgb.rows, 30);
  EXPECT_GT(rgb.at<cv::Vec3b>(15, 2)[0], 200);  // the band is still on the left
  // Square: same size either way, so only the pixels tell.
  cv::Mat square(40, 40, CV_8UC3, cv::Scalar(0, 0, 0));
  square(cv::Rect(0, 0, 10, 40)).setTo(cv::Scalar(255, 255, 255));
  write_text(dir / "square.jpg", jpeg_with_orientation(square, 6));
  cv::Mat read = read_rgb(dir / "square.jpg");
  EXPECT_GT(read.at<cv::Vec3b>(20, 2)[0], 200);
  EXPECT_LT(read.at<cv::Vec3b>(2, 20)[0], 60);
}

TEST(BadDataset, SymlinkLoopInImagesIsNoCrash) {
  TempDir dir;
  cv::Mat image(20, 20, CV_8UC3, cv::Scalar(1, 2, 3)), mask = cv::Mat::zeros(20, 20, CV_8U);
  fs::create_directories(dir / "data/images");
  fs::create_directories(dir / "data/masks");
  ASSERT_TRUE(cv::imwrite((dir / "data/images/a.png").string(), image));
  ASSERT_TRUE(cv::imwrite((dir / "data/masks/a.png").string(), mask));
  fs::create_symlink("loop.png", dir / "data/images/loop.png");  // points at itself
  auto dataset = make_dataset({{"adapter", "folder"}, {"root", "data"}, {"classes", {{"1", "x"}}}}, dir.path());
  std::vector<SampleRef> refs;
  EXPECT_NO_THROW(refs = dataset->list());
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].id, "a");
}

TEST(BadDataset, RootThatIsAFileOrOneLevelTooHigh) {
  TempDir dir;
  write_text(dir / "data.png", "x");
  auto on_file = make_dataset({{"adapter", "folder"}, {"root", "data.png"}, {"classes", {{"1", "x"}}}}, dir.path());
  std::string error = error_of([&] { on_file->list(); });
  EXPECT_TRUE(contains(error, "data.png: is a file, not a folder (")) << error;

  fs::create_directories(dir / "top/Kvasir-SEG/images");
  fs::create_directories(dir / "top/Kvasir-SEG/masks");
  auto high = make_dataset({{"adapter", "kvasir"}, {"root", "top"}}, dir.path());
  error = error_of([&] { high->list(); });
  EXPECT_TRUE(contains(error, "top/images: folder not found; " + (dir.path() / "top").string() +
                                  " holds: Kvasir-SEG/; ")) << error;
  EXPECT_TRUE(contains(error, "exists: is the root " + (dir.path() / "top/Kvasir-SEG").string() + "?")) << error;
}

// A minimal NIfTI-1 file, int16, with the given dim[0..4].
void write_nifti(const fs::path& path, std::vector<short> dims) {
  std::string header(352, '\0');
  auto put = [&](size_t at, const void* value, size_t size) { std::memcpy(&header[at], value, size); };
  const int sizeof_hdr = 348;
  put(0, &sizeof_hdr, 4);
  dims.resize(8, 1);
  put(40, dims.data(), 16);
  const short datatype = 4, bitpix = 16;
  put(70, &datatype, 2);
  put(72, &bitpix, 2);
  const float pixdim[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  put(76, pixdim, 32);
  const float offset = 352;
  put(108, &offset, 4);
  put(344, "n+1\0", 4);
  size_t voxels = 1;
  for (int i = 1; i <= dims[0]; ++i) voxels *= static_cast<size_t>(dims[i]);
  write_text(path, header + std::string(voxels * 2, '\0'));
}

TEST(BadVolume, FourDimensionalNiftiIsRefused) {
  TempDir dir;
  write_nifti(dir / "3d.nii", {3, 4, 5, 6});
  EXPECT_EQ(read_volume(dir / "3d.nii").geometry.size[2], 6);
  write_nifti(dir / "4d.nii", {4, 4, 5, 6, 3});
  const std::string error = error_of([&] { read_volume(dir / "4d.nii"); });
  EXPECT_TRUE(contains(error, "4d.nii: is a 4D image (size 3 along axis 4)")) << error;
}

std::string replay_error(const std::string& line) {
  TempDir dir;
  write_text(dir / "prompts.jsonl", line + "\n");
  return error_of([&] { read_prompt_log(dir / "prompts.jsonl"); });
}

TEST(BadReplay, PromptsAreValidated) {
  const std::string head = R"({"image":"a","class_label":1,"class":"x","instance":1,"mode":"centroid",)";
  EXPECT_EQ(replay_error(head + R"("points":[[3,4]],"labels":[1],"box":null})"), "(no error)");
  EXPECT_TRUE(contains(replay_error(head + R"("points":[[3,4]],"labels":[7],"box":null})"),
                       "line 1: label 7 is neither 1 (positive) nor 0 (negative)"));
  EXPECT_TRUE(contains(replay_error(head + R"("points":[],"labels":[],"box":null})"),
                       "line 1: the prompt has neither points nor a box"));
  EXPECT_TRUE(contains(replay_error(head + R"("points":[],"labels":[],"box":[10,10,2,2]})"),
                       "line 1: the box (10.0, 10.0)-(2.0, 2.0) is inverted"));
  Prompt far;
  far.points = {{1e9, -1e9}};
  far.labels = {kPositive};
  const std::string error = error_of([&] { check_prompt_fits(far, cv::Size(64, 48), "p.jsonl: a"); });
  EXPECT_TRUE(contains(error, "p.jsonl: a: point (1000000000.0, -1000000000.0) is outside the 64x48 image")) << error;
  Prompt near = far;
  near.points = {{64, 48}};
  EXPECT_EQ(error_of([&] { check_prompt_fits(near, cv::Size(64, 48), "p.jsonl: a"); }), "(no error)");
}

nlohmann::json good_metadata() {
  return {{"format", "sambench-sam/1"}, {"model_type", "small"},      {"image_size", 1024},
          {"embedding_size", 64},       {"low_res_size", 256},        {"num_mask_outputs", 4},
          {"mask_threshold", 0.0},      {"pixel_mean", {123.675, 116.28, 103.53}},
          {"pixel_std", {58.395, 57.12, 57.375}}};
}

std::string metadata_error(const std::string& key, const nlohmann::json& value) {
  nlohmann::json m = good_metadata();
  m[key] = value;
  return error_of([&] { parse_model_metadata("m.pt", m.dump()); });
}

TEST(BadModelMetadata, SizesAndNormalizationAreRangeChecked) {
  EXPECT_EQ(error_of([&] { parse_model_metadata("m.pt", good_metadata().dump()); }), "(no error)");
  EXPECT_TRUE(contains(metadata_error("embedding_size", 60000),
                       "m.pt: model metadata 'embedding_size' must be an integer from 1 to 256, not 60000"));
  EXPECT_TRUE(contains(metadata_error("image_size", 512),
                       "model metadata 'image_size' must be 16 x embedding_size = 1024, not 512"));
  EXPECT_TRUE(contains(metadata_error("low_res_size", 100000), "model metadata 'low_res_size' must be"));
  EXPECT_TRUE(contains(metadata_error("num_mask_outputs", 1000000), "'num_mask_outputs' must be an integer"));
  EXPECT_TRUE(contains(metadata_error("pixel_std", {0, 0, 0}),
                       "model metadata 'pixel_std' must be 3 numbers in (0, 255], not [0,0,0]"));
  EXPECT_TRUE(contains(metadata_error("pixel_mean", {1, 2}), "'pixel_mean' must be 3 numbers"));
}

}  // namespace
}  // namespace sambench
