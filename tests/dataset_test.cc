#include "sambench/data/dataset.h"

#include <sys/stat.h>

#include <map>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

nlohmann::json folder_options() {
  return {{"adapter", "folder"}, {"root", "data"}, {"classes", {{"1", "disk"}, {"2", "box"}}}};
}

void write_pair(const TempDir& dir, const std::string& id, const cv::Mat& labels,
                const std::string& ext = ".png") {
  testing::write_rgb(dir / ("data/images/" + id + ext), cv::Mat(labels.size(), CV_8UC3, cv::Scalar(9, 9, 9)));
  std::filesystem::create_directories(dir / "data/masks");
  cv::imwrite((dir / ("data/masks/" + id + ".png")).string(), labels);
}

std::string load_error(const Dataset& d, const SampleRef& ref) {
  try {
    d.load(ref);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FolderDataset, ListsPairsInNameOrder) {
  TempDir dir;
  write_pair(dir, "b", cv::Mat::zeros(4, 4, CV_8U), ".jpg");
  write_pair(dir, "a", cv::Mat::ones(4, 4, CV_8U));
  testing::write_text(dir / "data/images/notes.txt", "not an image");
  auto dataset = make_dataset(folder_options(), dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].id, "a");
  EXPECT_EQ(refs[1].id, "b");
  EXPECT_EQ(refs[1].mask, dir / "data/masks/b.png");
  ASSERT_EQ(dataset->classes().size(), 2u);
  EXPECT_EQ(dataset->classes()[1].name, "box");

  Sample s = dataset->load(refs[0]);
  EXPECT_EQ(s.image.type(), CV_8UC3);
  EXPECT_EQ(s.labels.at<uchar>(3, 3), 1);
}

TEST(FolderDataset, MaskSuffixMatchesOfficialNaming) {
  TempDir dir;
  testing::write_rgb(dir / "data/images/ISIC_0000001.jpg", cv::Mat(3, 3, CV_8UC3, cv::Scalar::all(5)));
  std::filesystem::create_directories(dir / "data/masks");
  cv::imwrite((dir / "data/masks/ISIC_0000001_segmentation.png").string(), cv::Mat(3, 3, CV_8U, cv::Scalar(255)));
  nlohmann::json options = {{"adapter", "folder"}, {"root", "data"}, {"mask_suffix", "_segmentation"},
                            {"classes", {{"255", "lesion"}}}};
  auto dataset = make_dataset(options, dir.path());
  auto refs = dataset->list();
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(dataset->load(refs[0]).labels.at<uchar>(1, 1), 255);
}

// The chest X-ray sample's layout: Data/1.jpg beside Data/1-mask.png.
TEST(FolderDataset, MasksBesideTheirImages) {
  TempDir dir;
  testing::write_rgb(dir / "Data/2.jpg", cv::Mat(3, 3, CV_8UC3, cv::Scalar::all(5)));
  testing::write_rgb(dir / "Data/1.jpg", cv::Mat(3, 3, CV_8UC3, cv::Scalar::all(5)));
  cv::imwrite((dir / "Data/1-mask.png").string(), cv::Mat(3, 3, CV_8U, cv::Scalar(255)));
  cv::imwrite((dir / "Data/2-mask.png").string(), cv::Mat::zeros(3, 3, CV_8U));
  nlohmann::json options = {{"adapter", "folder"}, {"root", "Data"}, {"images", "."}, {"masks", "."},
                            {"mask_suffix", "-mask"}, {"classes", {{"255", "lungs"}}}};
  auto refs = make_dataset(options, dir.path())->list();
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].id, "1");
  EXPECT_EQ(refs[1].mask, dir / "Data/2-mask.png");
  options["mask_suffix"] = "";
  EXPECT_THROW(make_dataset(options, dir.path()), Error);
}

TEST(FolderDataset, MissingMaskNamesTheImage) {
  TempDir dir;
  write_pair(dir, "a", cv::Mat::zeros(4, 4, CV_8U));
  testing::write_rgb(dir / "data/images/orphan.png", cv::Mat(4, 4, CV_8UC3));
  // Listed, so that --on-error skip can skip it; check_listing makes it an error otherwise.
  auto dataset = make_dataset(folder_options(), dir.path());
  EXPECT_EQ(dataset->list().size(), 2u);
  try {
    check_listing(*dataset);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("orphan.png: no mask"), std::string::npos);
  }
  EXPECT_THROW(dataset->load(dataset->list()[1]), Error);
}

// Nothing vanishes without a word: what the listing passed over is named with its reason.
TEST(FolderDataset, ListsWhatItPassesOver) {
  TempDir dir;
  write_pair(dir, "a", cv::Mat::zeros(4, 4, CV_8U));
  testing::write_rgb(dir / "data/masks/lonely.png", cv::Mat(4, 4, CV_8UC3));
  fs::create_directories(dir / "data/images/folder.png");
  fs::create_symlink("nowhere.png", dir / "data/images/dangling.png");
  fs::create_symlink("/dev/zero", dir / "data/images/zero.png");
  ASSERT_EQ(mkfifo((dir / "data/images/fifo.png").c_str(), 0600), 0);
  auto dataset = make_dataset(folder_options(), dir.path());
  ASSERT_EQ(dataset->list().size(), 1u);
  EXPECT_NO_THROW(check_listing(*dataset));
  std::map<std::string, std::string> reasons;
  for (const auto& file : dataset->skipped_files()) reasons[file.path.filename().string()] = file.reason;
  EXPECT_EQ(reasons["lonely.png"], "a mask without its image");
  EXPECT_EQ(reasons["folder.png"], "a folder, not an image file");
  EXPECT_EQ(reasons["dangling.png"], "a dangling symbolic link");
  EXPECT_EQ(reasons["zero.png"], "a device, not a regular file");
  EXPECT_EQ(reasons["fifo.png"], "a FIFO, not a regular file");
  EXPECT_EQ(reasons.size(), 5u);
  EXPECT_TRUE(testing::contains(skipped_files_text(dataset->skipped_files()), "5 file(s) passed over:\n"));
}

TEST(FolderDataset, MissingFolderIsAnError) {
  TempDir dir;
  EXPECT_THROW(make_dataset(folder_options(), dir.path())->list(), Error);
}

TEST(FolderDataset, MaskOfAnotherSizeIsAnError) {
  TempDir dir;
  write_pair(dir, "a", cv::Mat::zeros(4, 4, CV_8U));
  cv::imwrite((dir / "data/masks/a.png").string(), cv::Mat::zeros(5, 4, CV_8U));
  auto dataset = make_dataset(folder_options(), dir.path());
  std::string error = load_error(*dataset, dataset->list()[0]);
  EXPECT_NE(error.find("a.png: mask is 4x5 but its image is 4x4"), std::string::npos) << error;
}

TEST(FolderDataset, LabelOutsideClassMapIsAnError) {
  TempDir dir;
  cv::Mat labels = cv::Mat::zeros(4, 4, CV_8U);
  labels.at<uchar>(0, 0) = 7;
  labels.at<uchar>(0, 1) = 255;
  write_pair(dir, "a", labels);
  auto dataset = make_dataset(folder_options(), dir.path());
  std::string error = load_error(*dataset, dataset->list()[0]);
  EXPECT_NE(error.find("masks/a.png: label value(s) 7, 255 not in the class map"), std::string::npos)
      << error;

  nlohmann::json options = folder_options();
  options["ignore"] = {7, 255};
  auto tolerant = make_dataset(options, dir.path());
  EXPECT_NO_THROW(tolerant->load(tolerant->list()[0]));
}

TEST(FolderDataset, BadOptionsAreErrors) {
  nlohmann::json options = folder_options();
  options["mask_sufix"] = "_x";
  EXPECT_THROW(make_dataset(options, "."), Error);
  options = folder_options();
  options["classes"] = {{"one", "disk"}};
  EXPECT_THROW(make_dataset(options, "."), Error);
  options["classes"] = {{"0", "background"}};
  EXPECT_THROW(make_dataset(options, "."), Error);
  EXPECT_THROW(make_dataset({{"adapter", "nope"}}, "."), Error);
}

TEST(ParseClasses, SortedByLabel) {
  auto classes = parse_classes({{"10", "b"}, {"2", "a"}}, "dataset");
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[0].label, 2);
  EXPECT_EQ(classes[1].name, "b");
  EXPECT_THROW(parse_classes({{"1", "a"}, {"2", "a"}}, "dataset"), Error);
}

}  // namespace
}  // namespace sambench
