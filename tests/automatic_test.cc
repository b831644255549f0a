#include "sambench/prompts/automatic.h"

#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/data/mask_box.h"

namespace sambench {
namespace {

using nlohmann::json;

cv::Mat rect_mask(cv::Size size, cv::Rect r) {
  cv::Mat m = cv::Mat::zeros(size, CV_8U);
  m(r).setTo(1);
  return m;
}

GeneratedMask generated(cv::Mat mask) {
  GeneratedMask g;
  g.box = mask_box(mask);
  g.mask = std::move(mask);
  return g;
}

Instance instance(cv::Mat mask) {
  Instance inst;
  inst.box = mask_box(mask);
  inst.area = cv::countNonZero(mask);
  inst.crop = mask(inst.box).clone();
  return inst;
}

TEST(AutomaticGrid, TwoPerSideOn100x50) {
  // build_point_grid(2): offset = 1/(2*2) = 0.25, linspace(0.25, 0.75, 2) = [0.25, 0.75];
  // x = p * W = 25, 75 and y = p * H = 12.5, 37.5; rows of the grid in turn (x fastest).
  std::vector<cv::Point2d> points = point_grid(2, 100, 50);
  std::vector<cv::Point2d> expected = {{25, 12.5}, {75, 12.5}, {25, 37.5}, {75, 37.5}};
  EXPECT_EQ(points, expected);
}

TEST(AutomaticGrid, OnePerSideIsTheCentreAndSpacingIsOneOverN) {
  EXPECT_EQ(point_grid(1, 40, 20), std::vector<cv::Point2d>{cv::Point2d(20, 10)});
  std::vector<cv::Point2d> points = point_grid(32, 1024, 1024);
  ASSERT_EQ(points.size(), 1024u);
  EXPECT_DOUBLE_EQ(points.front().x, 16.0);  // 1/64 * 1024
  EXPECT_DOUBLE_EQ(points[1].x - points[0].x, 32.0);
  EXPECT_DOUBLE_EQ(points.back().y, 1008.0);  // (1 - 1/64) * 1024
}

TEST(AutomaticStability, CountsAboveHighOverAboveLowThreshold) {
  cv::Mat logits = (cv::Mat_<float>(2, 4) << 2.0f, 1.5f, 0.5f, 1.0f, -0.5f, -1.0f, -3.0f, 0.0f);
  // > 1: {2, 1.5} (1.0 is not above); > -1: {2, 1.5, 0.5, 1.0, -0.5, 0} (-1.0 is not above).
  EXPECT_FLOAT_EQ(stability_score(logits, 0.0f, 1.0f), 2.0f / 6.0f);
  // The mask threshold shifts both cut-offs: > 1.5: {2}; > -0.5: {2, 1.5, 0.5, 1.0, 0}.
  EXPECT_FLOAT_EQ(stability_score(logits, 0.5f, 1.0f), 1.0f / 5.0f);
  EXPECT_TRUE(std::isnan(stability_score(cv::Mat(3, 3, CV_32F, cv::Scalar(-5)), 0.0f, 1.0f)));
}

TEST(AutomaticNms, DropsTheLowerScoringOfTwoOverlappingMasks) {
  cv::Size size(40, 30);
  std::vector<cv::Mat> masks = {rect_mask(size, {0, 0, 10, 10}),    // corners 0,0,9,9: area 81
                                rect_mask(size, {0, 0, 10, 9}),     // 0,0,9,8: 72, IoU 72/81
                                rect_mask(size, {20, 20, 10, 10})};  // disjoint
  std::vector<cv::Rect> boxes;
  for (const auto& m : masks) boxes.push_back(cv::boundingRect(m));
  EXPECT_FLOAT_EQ(box_iou(boxes[0], boxes[1]), 72.0f / 81.0f);
  EXPECT_EQ(box_nms(boxes, {0.9f, 0.8f, 0.95f}, 0.7f), (std::vector<int>{2, 0}));
  EXPECT_EQ(box_nms(boxes, {0.8f, 0.9f, 0.95f}, 0.7f), (std::vector<int>{2, 1}));
  // A threshold above the IoU keeps both; equal scores keep generation order.
  EXPECT_EQ(box_nms(boxes, {0.5f, 0.5f, 0.5f}, 0.9f), (std::vector<int>{0, 1, 2}));
}

TEST(AutomaticNms, UsesTorchvisionAreasWithoutThePlusOne) {
  // Two one-pixel-wide columns: torchvision's areas are 0, the IoU 0/0 is NaN, nothing is dropped.
  cv::Rect column(5, 0, 1, 10);
  EXPECT_TRUE(std::isnan(box_iou(column, column)));
  EXPECT_EQ(box_nms({column, column}, {0.9f, 0.8f}, 0.7f), (std::vector<int>{0, 1}));
  // Corners 0,0,3,3 and 2,2,5,5: intersection 1x1 over 9 + 9 - 1 (pixel counting would say 4/28).
  EXPECT_FLOAT_EQ(box_iou({0, 0, 4, 4}, {2, 2, 4, 4}), 1.0f / 17.0f);
  // An empty mask's box is [0, 0, 0, 0], as batched_mask_to_box gives it.
  EXPECT_FLOAT_EQ(box_iou(cv::Rect(), {0, 0, 4, 4}), 0.0f);
}

TEST(AutomaticMatch, BestIouPerInstanceLowestIndexOnTiesMinusOneWhenDisjoint) {
  cv::Size size(50, 40);
  std::vector<Instance> instances = {instance(rect_mask(size, {0, 0, 10, 10})),
                                     instance(rect_mask(size, {30, 20, 10, 10})),
                                     instance(rect_mask(size, {0, 30, 5, 5}))};
  std::vector<GeneratedMask> masks;
  masks.push_back(generated(rect_mask(size, {0, 0, 20, 20})));   // IoU 100/400 with instance 0
  masks.push_back(generated(rect_mask(size, {0, 0, 10, 12})));   // IoU 100/120
  masks.push_back(generated(rect_mask(size, {30, 20, 5, 10})));  // IoU 50/100 with instance 1
  masks.push_back(generated(rect_mask(size, {35, 20, 5, 10})));  // also 50/100: a tie
  EXPECT_EQ(match_instances(instances, masks), (std::vector<int>{1, 2, -1}));
  EXPECT_EQ(match_instances(instances, {}), (std::vector<int>{-1, -1, -1}));
}

// Two pixels at the left edge of row 1 of a 10-column mask, alone: OpenCV 4.6's boundingRect
// gives them a box one column short (mask_box.h).
cv::Mat left_edge_pair() {
  cv::Mat m = cv::Mat::zeros(3, 10, CV_8U);
  m.at<uchar>(1, 0) = m.at<uchar>(1, 1) = 1;
  return m;
}

TEST(AutomaticCrop, KeepsEveryPixelOfAMaskAtTheLeftEdge) {
  const GeneratedMask g = cropped_mask(left_edge_pair());
  EXPECT_EQ(g.box, cv::Rect(0, 1, 2, 1));
  EXPECT_EQ(cv::countNonZero(g.mask), 2);
  const GeneratedMask none = cropped_mask(cv::Mat::zeros(3, 10, CV_8U));
  EXPECT_TRUE(none.box.empty());
  EXPECT_TRUE(none.mask.empty());
}

// The exact mask (IoU 1) must beat one with a stray pixel (IoU 2/3); with a box one column short
// the exact mask's overlap counted one pixel (IoU 1/3) and the other won.
TEST(AutomaticMatch, CountsEveryPixelOfAMaskAtTheLeftEdge) {
  cv::Mat stray = left_edge_pair();
  stray.at<uchar>(2, 9) = 1;
  const std::vector<GeneratedMask> masks = {generated(left_edge_pair()), generated(stray)};
  EXPECT_EQ(match_instances({testing::instance_of(left_edge_pair())}, masks), std::vector<int>{0});
}

TEST(AutomaticOptions, ParsesDefaultsOverridesAndRejectsUnknownKeys) {
  AutomaticOptions d = parse_automatic_options("everything");
  EXPECT_EQ(d.points_per_side, 32);
  EXPECT_EQ(d.points_per_batch, 64);
  EXPECT_FLOAT_EQ(d.pred_iou_thresh, 0.88f);
  EXPECT_FLOAT_EQ(d.stability_score_thresh, 0.95f);
  EXPECT_FLOAT_EQ(d.stability_score_offset, 1.0f);
  EXPECT_FLOAT_EQ(d.box_nms_thresh, 0.7f);

  AutomaticOptions o = parse_automatic_options(
      json{{"mode", "everything"}, {"points_per_side", 16}, {"pred_iou_thresh", 0.5}});
  EXPECT_EQ(o.points_per_side, 16);
  EXPECT_FLOAT_EQ(o.pred_iou_thresh, 0.5f);
  EXPECT_EQ(o.points_per_batch, 64);

  std::string e = testing::error_of(
      [] { parse_automatic_options(json{{"mode", "everything"}, {"points_per_sid", 16}}); });
  EXPECT_TRUE(testing::contains(e, "points_per_sid")) << e;
  EXPECT_TRUE(testing::contains(e, "points_per_side")) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
  e = testing::error_of(
      [] { parse_automatic_options(json{{"mode", "everything"}, {"points_per_side", 0}}); });
  EXPECT_TRUE(testing::contains(e, "points_per_side")) << e;
  e = testing::error_of(
      [] { parse_automatic_options(json{{"mode", "everything"}, {"points_per_side", 1.5}}); });
  EXPECT_TRUE(testing::contains(e, "points_per_side")) << e;
  e = testing::error_of([] { parse_automatic_options(json{{"mode", "box"}}); });
  EXPECT_TRUE(testing::contains(e, "everything")) << e;
}

// SAM2AutomaticMaskGenerator's defaults differ from SamAutomaticMaskGenerator's in pred_iou_thresh
// only (0.8 against 0.88); a value the config sets wins over either.
TEST(AutomaticOptions, DefaultsAreTheModelsOfficialOnes) {
  ModelProfile sam2;
  sam2.name = "sam2";
  const AutomaticOptions sam = automatic_defaults(sam_profile());
  const AutomaticOptions two = automatic_defaults(sam2);
  EXPECT_FLOAT_EQ(sam.pred_iou_thresh, 0.88f);
  EXPECT_FLOAT_EQ(two.pred_iou_thresh, 0.8f);
  for (const AutomaticOptions& o : {sam, two}) {
    EXPECT_EQ(o.points_per_side, 32);
    EXPECT_EQ(o.points_per_batch, 64);
    EXPECT_FLOAT_EQ(o.stability_score_thresh, 0.95f);
    EXPECT_FLOAT_EQ(o.stability_score_offset, 1.0f);
    EXPECT_FLOAT_EQ(o.box_nms_thresh, 0.7f);
  }
  ModelProfile medsam;
  medsam.name = "medsam";
  EXPECT_FLOAT_EQ(automatic_defaults(medsam).pred_iou_thresh, 0.88f);

  EXPECT_FLOAT_EQ(parse_automatic_options("everything", two).pred_iou_thresh, 0.8f);
  const AutomaticOptions set = parse_automatic_options(
      json{{"mode", "everything"}, {"pred_iou_thresh", 0.88}, {"points_per_side", 8}}, two);
  EXPECT_FLOAT_EQ(set.pred_iou_thresh, 0.88f);
  EXPECT_EQ(set.points_per_side, 8);
  EXPECT_FLOAT_EQ(set.stability_score_thresh, 0.95f);
}

TEST(AutomaticOptions, DescribeStatesEveryValue) {
  AutomaticOptions o;
  o.points_per_side = 16;
  o.points_per_batch = 32;
  o.pred_iou_thresh = 0.5f;
  o.stability_score_thresh = 0.9f;
  o.stability_score_offset = 2.0f;
  o.box_nms_thresh = 0.6f;
  std::string d = describe(o);
  for (const char* part : {"points_per_side=16", "points_per_batch=32", "0.5", "0.9", "offset 2", "0.6"}) {
    EXPECT_TRUE(testing::contains(d, part)) << part << " not in: " << d;
  }
}

class AutomaticModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_threads(2);
    model_ = new SamModel(SamModel::load(testing::small_model(), "cpu"));
  }
  static void TearDownTestSuite() { delete model_; }

  // A dark image with a bright disc and a grey bar, wider than tall.
  static cv::Mat image() {
    cv::Mat rgb(96, 128, CV_8UC3, cv::Scalar(20, 20, 30));
    cv::circle(rgb, {40, 48}, 20, cv::Scalar(230, 200, 180), cv::FILLED);
    cv::rectangle(rgb, cv::Rect(80, 10, 30, 70), cv::Scalar(120, 120, 120), cv::FILLED);
    return rgb;
  }

  static std::vector<GeneratedMask> generate(const AutomaticOptions& o) {
    cv::Mat rgb = image();
    const ModelInfo& info = model_->info();
    ResizeTransform t = longest_side_transform(rgb.rows, rgb.cols, info.image_size);
    Embedding embedding = model_->encode(make_model_input(rgb, t, info.profile, info.normalization));
    return generate_masks(*model_, embedding, t, o);
  }

  // Random weights predict low IoUs: with the filters off, only NMS removes masks.
  static AutomaticOptions permissive() {
    AutomaticOptions o;
    o.points_per_side = 4;
    o.points_per_batch = 5;  // 16 points: three full batches and a partial one
    o.pred_iou_thresh = 0.0f;
    o.stability_score_thresh = 0.0f;
    return o;
  }

  static SamModel* model_;
};

SamModel* AutomaticModel::model_ = nullptr;

TEST_F(AutomaticModel, MasksAreFullSizeSortedDeduplicatedAndDeterministic) {
  AutomaticOptions o = permissive();
  std::vector<GeneratedMask> masks = generate(o);
  ASSERT_FALSE(masks.empty());
  EXPECT_LE(masks.size(), 3u * 16u);
  std::vector<cv::Point2d> grid = point_grid(4, 128, 96);
  for (size_t i = 0; i < masks.size(); ++i) {
    SCOPED_TRACE(i);
    const GeneratedMask& m = masks[i];
    EXPECT_EQ(m.mask.size(), cv::Size(128, 96));
    EXPECT_EQ(m.mask.type(), CV_8U);
    double max_value = 0;
    cv::minMaxLoc(m.mask, nullptr, &max_value);
    EXPECT_LE(max_value, 1.0);
    EXPECT_EQ(m.box, mask_box(m.mask));
    EXPECT_GE(m.mask_index, 1);
    EXPECT_LE(m.mask_index, 3);
    EXPECT_NE(std::find(grid.begin(), grid.end(), m.point), grid.end());
    if (i > 0) EXPECT_GE(masks[i - 1].predicted_iou, m.predicted_iou);
    for (size_t j = 0; j < i; ++j) EXPECT_FALSE(box_iou(masks[j].box, m.box) > o.box_nms_thresh);
  }

  std::vector<GeneratedMask> again = generate(o);
  ASSERT_EQ(again.size(), masks.size());
  for (size_t i = 0; i < masks.size(); ++i) {
    EXPECT_EQ(again[i].predicted_iou, masks[i].predicted_iou);
    EXPECT_TRUE(again[i].stability == masks[i].stability ||
                (std::isnan(again[i].stability) && std::isnan(masks[i].stability)));
    EXPECT_EQ(again[i].point, masks[i].point);
    EXPECT_EQ(again[i].mask_index, masks[i].mask_index);
    EXPECT_EQ(cv::countNonZero(again[i].mask != masks[i].mask), 0);
  }
}

TEST_F(AutomaticModel, WithoutFiltersOrNmsEveryPointGivesItsThreeMultimaskOutputs) {
  AutomaticOptions o = permissive();
  o.box_nms_thresh = 1.0f;  // an IoU is never above 1
  std::vector<GeneratedMask> masks = generate(o);
  ASSERT_EQ(masks.size(), 3u * 16u);
  std::vector<int> per_index(4, 0);
  for (const auto& m : masks) ++per_index[m.mask_index];
  EXPECT_EQ(per_index, (std::vector<int>{0, 16, 16, 16}));
}

TEST_F(AutomaticModel, ThresholdsOnlyRemoveMasks) {
  AutomaticOptions o = permissive();
  o.box_nms_thresh = 1.0f;
  o.pred_iou_thresh = 0.01f;  // random weights: somewhere in the range of the predictions
  o.stability_score_thresh = 0.5f;
  for (const auto& m : generate(o)) {
    EXPECT_GT(m.predicted_iou, o.pred_iou_thresh);
    EXPECT_GE(m.stability, o.stability_score_thresh);
  }
}

}  // namespace
}  // namespace sambench
