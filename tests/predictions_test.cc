#include "sambench/report/predictions.h"

#include <gtest/gtest.h>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/data/image_io.h"

namespace sambench {
namespace {

Instance instance(int label, int index) {
  Instance inst;
  inst.class_label = label;
  inst.index = index;
  return inst;
}

Prediction prediction(cv::Rect area, float score) {
  Prediction p;
  p.mask = cv::Mat::zeros(6, 6, CV_8U);
  p.mask(area).setTo(1);
  p.score = score;
  return p;
}

TEST(PredictionPaths, SlicesBecomeFoldersAndClassNamesFileSafe) {
  EXPECT_EQ(instance_mask_path("img1", "liver", 2), "predictions/img1/liver_2.png");
  EXPECT_EQ(instance_mask_path("amos_0013/042", "right kidney", 1),
            "predictions/amos_0013/042/right_kidney_1.png");
  EXPECT_EQ(instance_logits_path("a", "prostate/uterus", 3), "predictions/a/prostate_uterus_3_logits.npy");
  EXPECT_EQ(label_map_path("a/007"), "predictions/a/007/labels.png");
}

TEST(MergeLabelMap, HigherScoreWinsWhereInstancesOverlap) {
  std::vector<Instance> instances = {instance(1, 1), instance(2, 1), instance(3, 1)};
  std::vector<Prediction> predictions = {prediction({0, 0, 4, 4}, 0.5f),
                                         prediction({2, 2, 4, 4}, 0.9f),
                                         prediction({0, 0, 2, 2}, 0.5f)};  // ties with instance 1
  cv::Mat labels = merge_label_map(instances, predictions, {6, 6});
  EXPECT_EQ(labels.type(), CV_8U);
  EXPECT_EQ(labels.at<uchar>(0, 0), 1);  // tie: the earlier instance keeps it
  EXPECT_EQ(labels.at<uchar>(3, 3), 2);  // overlap: 0.9 beats 0.5
  EXPECT_EQ(labels.at<uchar>(1, 3), 1);
  EXPECT_EQ(labels.at<uchar>(5, 5), 2);
  EXPECT_EQ(labels.at<uchar>(5, 0), 0);
}

TEST(MergeLabelMap, WideLabelsGiveSixteenBits) {
  cv::Mat labels = merge_label_map({instance(300, 1)}, {prediction({0, 0, 1, 1}, 0.1f)}, {6, 6});
  EXPECT_EQ(labels.type(), CV_16U);
  EXPECT_EQ(labels.at<uint16_t>(0, 0), 300);
}

TEST(MaskPng, RoundTripsAsZeroAnd255OnDisk) {
  testing::TempDir dir;
  cv::Mat mask = prediction({1, 1, 2, 3}, 0).mask;
  write_mask_png(dir / "sub/m.png", mask);
  cv::Mat on_disk = read_label_map(dir / "sub/m.png");
  EXPECT_EQ(on_disk.at<uchar>(1, 1), 255);
  cv::Mat back = read_mask_png(dir / "sub/m.png");
  EXPECT_EQ(cv::countNonZero(back != mask), 0);
}

TEST(WriteNpy, HeaderIsNumpyFormatOnePaddedTo64) {
  testing::TempDir dir;
  write_npy(dir / "x.npy", {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, 2, 3);
  std::string bytes = read_file(dir / "x.npy");
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  size_t header = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (2, 3)"), std::string::npos);
  EXPECT_EQ(bytes[10 + header - 1], '\n');
  ASSERT_EQ(bytes.size(), 10 + header + 6 * sizeof(float));
  float last;
  std::memcpy(&last, bytes.data() + bytes.size() - 4, 4);
  EXPECT_EQ(last, 6.0f);
}

}  // namespace
}  // namespace sambench
