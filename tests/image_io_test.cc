#include "sambench/data/image_io.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/data/image_size.h"

namespace sambench {
namespace {

using testing::TempDir;

using testing::error_of;

TEST(ReadRgb, ReturnsRgbOrder) {
  TempDir dir;
  cv::Mat rgb(2, 3, CV_8UC3, cv::Scalar(10, 20, 30));
  testing::write_rgb(dir / "x.png", rgb);
  cv::Mat read = read_rgb(dir / "x.png");
  EXPECT_EQ(read.at<cv::Vec3b>(1, 2), cv::Vec3b(10, 20, 30));
}

TEST(ReadRgb, GreyBecomesThreeEqualChannels) {
  TempDir dir;
  cv::imwrite((dir / "g.png").string(), cv::Mat(2, 2, CV_8U, cv::Scalar(77)));
  EXPECT_EQ(read_rgb(dir / "g.png").at<cv::Vec3b>(0, 0), cv::Vec3b(77, 77, 77));
}

TEST(ReadRgb, MissingFile) {
  EXPECT_EQ(error_of([] { read_rgb("/nonexistent/a.png"); }), "/nonexistent/a.png: file not found");
}

TEST(ReadRgb, CorruptAndTruncatedFiles) {
  TempDir dir;
  testing::write_text(dir / "garbage.png", "this is not a PNG at all");
  EXPECT_NE(error_of([&] { read_rgb(dir / "garbage.png"); }).find("garbage.png: cannot decode image"),
            std::string::npos);

  std::vector<uchar> png;
  cv::imencode(".png", cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)), png);
  testing::write_text(dir / "cut.png", std::string(png.begin(), png.begin() + png.size() / 2));
  EXPECT_NE(error_of([&] { read_rgb(dir / "cut.png"); }).find("cut.png: cannot decode"), std::string::npos);
}

// Each format cut short: libjpeg alone would decode the JPEG with grey rows and a warning.
TEST(ReadRgb, TruncatedJpegTiffAndBmpNameTheFile) {
  TempDir dir;
  cv::Mat noise(64, 64, CV_8UC3);
  cv::randu(noise, 0, 255);
  for (const std::string ext : {".jpg", ".tif", ".bmp"}) {
    std::vector<uchar> bytes;
    cv::imencode(ext, noise, bytes);
    testing::write_text(dir / ("whole" + ext), std::string(bytes.begin(), bytes.end()));
    EXPECT_EQ(read_rgb(dir / ("whole" + ext)).size(), noise.size());
    testing::write_text(dir / ("cut" + ext), std::string(bytes.begin(), bytes.begin() + bytes.size() * 9 / 10));
    std::string error = error_of([&] { read_rgb(dir / ("cut" + ext)); });
    EXPECT_NE(error.find("cut" + ext + ": "), std::string::npos) << error;
    EXPECT_TRUE(error.find("truncated") != std::string::npos || error.find("cannot decode") != std::string::npos) << error;
  }
  // JPEG data followed by other bytes (some cameras append them) is still complete.
  std::vector<uchar> bytes;
  cv::imencode(".jpg", noise, bytes);
  testing::write_text(dir / "tail.jpg", std::string(bytes.begin(), bytes.end()) + "trailer");
  EXPECT_EQ(read_rgb(dir / "tail.jpg").size(), noise.size());
}

// A GIF (OpenCV writes none), whole, cut short, and not a GIF.
TEST(ReadLabelMap, TruncatedOrCorruptGifNamesTheFile) {
  TempDir dir;
  // 4x2, left half black, right half white, as PIL writes it.
  const unsigned char bytes[] = {
      0x47, 0x49, 0x46, 0x38, 0x37, 0x61, 0x04, 0x00, 0x02, 0x00, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00,
      0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x02, 0x00, 0x00, 0x08, 0x09, 0x00, 0x01, 0x00, 0x08, 0x10, 0x40, 0x20, 0xc1, 0x80, 0x00, 0x3b};
  const std::string gif_bytes(reinterpret_cast<const char*>(bytes), sizeof bytes);
  testing::write_text(dir / "whole.gif", gif_bytes);
  cv::Mat whole = read_label_map(dir / "whole.gif");
  EXPECT_EQ(whole.size(), cv::Size(4, 2));
  EXPECT_EQ(whole.at<uchar>(0, 0), 0);
  EXPECT_EQ(whole.at<uchar>(1, 3), 255);
  testing::write_text(dir / "cut.gif", gif_bytes.substr(0, 40));
  std::string error = error_of([&] { read_label_map(dir / "cut.gif"); });
  EXPECT_NE(error.find("cut.gif: cannot decode image"), std::string::npos) << error;
  testing::write_text(dir / "garbage.gif", "GIF89a and then nothing a GIF holds");
  error = error_of([&] { read_label_map(dir / "garbage.gif"); });
  // Its "header" happens to declare 24864 x 25710 pixels: refused before decoding, by name.
  EXPECT_TRUE(testing::contains(error, "garbage.gif: cannot decode image") ||
              testing::contains(error, "garbage.gif: its header declares"))
      << error;
}

TEST(ReadLabelMap, KeepsSixteenBitValues) {
  TempDir dir;
  cv::Mat labels = cv::Mat::zeros(3, 3, CV_16U);
  labels.at<uint16_t>(1, 1) = 1000;
  cv::imwrite((dir / "l.png").string(), labels);
  cv::Mat read = read_label_map(dir / "l.png");
  EXPECT_EQ(read.type(), CV_16U);
  EXPECT_EQ(read.at<uint16_t>(1, 1), 1000);
}

TEST(ReadLabelMap, RgbWithEqualChannelsIsAccepted_ColourIsNot) {
  TempDir dir;
  cv::imwrite((dir / "grey3.png").string(), cv::Mat(2, 2, CV_8UC3, cv::Scalar(5, 5, 5)));
  EXPECT_EQ(read_label_map(dir / "grey3.png").channels(), 1);
  cv::imwrite((dir / "colour.png").string(), cv::Mat(2, 2, CV_8UC3, cv::Scalar(5, 6, 5)));
  EXPECT_NE(error_of([&] { read_label_map(dir / "colour.png"); }).find("colour pixels"), std::string::npos);
}

TEST(ReadLabelMap, ReadsGifFromSharedDrive) {
  auto data = testing::shared_data();
  if (data.empty()) GTEST_SKIP() << "../shared/data is absent: no real GIF to read";
  auto mask = data / "drive/DRIVE/test/1st_manual/01_manual1.gif";
  if (!std::filesystem::exists(mask)) GTEST_SKIP() << mask << " is absent";
  cv::Mat labels = read_label_map(mask);
  EXPECT_EQ(labels.size(), cv::Size(565, 584));  // DRIVE's image size
  double lo, hi;
  cv::minMaxLoc(labels, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 255);
}

TEST(IsImageFile, ByExtension) {
  EXPECT_TRUE(is_image_file("a.PNG"));
  EXPECT_TRUE(is_image_file("a.tiff"));
  EXPECT_TRUE(is_image_file("a.gif"));
  EXPECT_FALSE(is_image_file("a.nii.gz"));
}

TEST(ImageSize, ReadFromTheHeaderOfEachFormat) {
  TempDir dir;
  cv::Mat image(5, 7, CV_8UC3, cv::Scalar(1, 2, 3));
  for (const char* ext : {".png", ".jpg", ".bmp", ".tif"}) {
    std::vector<uchar> bytes;
    ASSERT_TRUE(cv::imencode(ext, image, bytes));
    testing::write_text(dir / (std::string("x") + ext), std::string(bytes.begin(), bytes.end()));
    auto size = read_image_size(dir / (std::string("x") + ext));
    ASSERT_TRUE(size) << ext;
    EXPECT_EQ(size->width, 7u) << ext;
    EXPECT_EQ(size->height, 5u) << ext;
  }
  testing::write_gif(dir / "x.gif", cv::Mat(5, 7, CV_8U, cv::Scalar(1)));
  auto gif = read_image_size(dir / "x.gif");
  ASSERT_TRUE(gif);
  EXPECT_EQ(gif->width, 7u);
  EXPECT_EQ(gif->height, 5u);
}

// Security finding 8: a 388 KB PNG declaring 20000 x 20000 pixels took 4.5 GB before failing.
TEST(ImageSize, AHugeDeclaredImageIsRefusedBeforeDecoding) {
  TempDir dir;
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  png += std::string("\0\0\x4e\x20\0\0\x4e\x20\x08\x00\0\0\0", 13);  // 20000 x 20000, 8-bit grey
  png += std::string(64, '\0');
  testing::write_text(dir / "huge.png", png);
  std::string error = error_of([&] { read_label_map(dir / "huge.png"); });
  EXPECT_TRUE(testing::contains(error, "huge.png: its header declares 20000 x 20000 pixels, over the limit of 268435456")) << error;
  EXPECT_TRUE(testing::contains(error, "SAMBENCH_MAX_IMAGE_PIXELS")) << error;

  testing::write_rgb(dir / "small.png", cv::Mat(10, 10, CV_8UC3, cv::Scalar(0, 0, 0)));
  ::setenv("SAMBENCH_MAX_IMAGE_PIXELS", "99", 1);
  error = error_of([&] { read_rgb(dir / "small.png"); });
  ::setenv("SAMBENCH_MAX_IMAGE_PIXELS", "100", 1);
  EXPECT_EQ(read_rgb(dir / "small.png").rows, 10);
  ::unsetenv("SAMBENCH_MAX_IMAGE_PIXELS");
  EXPECT_TRUE(testing::contains(error, "over the limit of 99")) << error;
}

}  // namespace
}  // namespace sambench
