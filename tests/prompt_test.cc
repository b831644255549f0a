#include "sambench/prompts/prompt.h"

#include <cmath>
#include <cstring>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/error.h"
#include "sambench/prompts/prompt_log.h"

namespace sambench {
namespace {

using json = nlohmann::json;

using testing::instance_of;

PromptContext context_for(const cv::Mat& mask, uint64_t seed = 0) {
  return PromptContext{"case_001/slice_042", mask.size(), seed};
}

// A "C" opening to the right whose left side has a 5x5 block: the centroid falls in the opening,
// and the block's centre is the one pixel 3 px from the outside.
cv::Mat thick_c() {
  cv::Mat mask = cv::Mat::zeros(11, 15, CV_8U);
  mask(cv::Rect(0, 0, 15, 2)).setTo(1);  // top bar, rows 0..1
  mask(cv::Rect(0, 9, 15, 2)).setTo(1);  // bottom bar, rows 9..10
  mask(cv::Rect(0, 0, 2, 11)).setTo(1);  // left bar, columns 0..1
  mask(cv::Rect(0, 3, 5, 5)).setTo(1);   // block, rows 3..7, columns 0..4
  return mask;
}

cv::Mat rectangle_mask(cv::Size size, cv::Rect r) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8U);
  mask(r).setTo(1);
  return mask;
}

void expect_box(const Prompt& p, double x0, double y0, double x1, double y1) {
  ASSERT_TRUE(p.box.has_value());
  EXPECT_DOUBLE_EQ(p.box->top_left.x, x0);
  EXPECT_DOUBLE_EQ(p.box->top_left.y, y0);
  EXPECT_DOUBLE_EQ(p.box->bottom_right.x, x1);
  EXPECT_DOUBLE_EQ(p.box->bottom_right.y, y1);
}

std::string error_of(const json& spec) {
  try {
    make_prompt_rule(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---- centroid ---------------------------------------------------------------------------------

TEST(Centroid, IsTheMeanPixelPosition) {
  cv::Mat mask = cv::Mat::zeros(10, 10, CV_8U);
  mask(cv::Rect(2, 4, 3, 2)).setTo(1);  // columns 2..4, rows 4..5
  cv::Point2d c = centroid(mask);
  EXPECT_DOUBLE_EQ(c.x, 3.0);
  EXPECT_DOUBLE_EQ(c.y, 4.5);
  EXPECT_TRUE(contains(mask, c));
}

// The word-at-a-time sums give cv::moments' centroid to the bit, on masks of every kind: empty,
// full, noise, blobs, odd widths, values other than 1, and a 6000x4500 lesion.
TEST(Centroid, SameBitsAsOpenCvMoments) {
  cv::RNG rng(4);
  auto reference = [](const cv::Mat& m) {
    cv::Moments mo = cv::moments(m, true);
    return mo.m00 == 0 ? cv::Point2d(NAN, NAN) : cv::Point2d(mo.m10 / mo.m00, mo.m01 / mo.m00);
  };
  std::vector<cv::Mat> masks;
  for (int i = 0; i < 60; ++i) {
    cv::Mat m = cv::Mat::zeros(rng.uniform(1, 200), rng.uniform(1, 300), CV_8U);
    if (i % 4 == 0) rng.fill(m, cv::RNG::UNIFORM, 0, 2);
    if (i % 4 == 1) m.setTo(255);
    if (i % 4 == 2) {
      cv::ellipse(m, {rng.uniform(0, m.cols), rng.uniform(0, m.rows)}, {rng.uniform(1, 150), rng.uniform(1, 150)},
                  rng.uniform(0.0, 180.0), 0, 360, cv::Scalar(rng.uniform(1, 256)), cv::FILLED);
    }
    masks.push_back(m);
  }
  cv::Mat lesion = cv::Mat::zeros(4500, 6000, CV_8U);
  cv::ellipse(lesion, {3100, 2200}, {1900, 1400}, 17, 0, 360, cv::Scalar(1), cv::FILLED);
  masks.push_back(lesion);
  for (size_t i = 0; i < masks.size(); ++i) {
    cv::Point2d got = centroid(masks[i]), want = reference(masks[i]);
    if (std::isnan(want.x)) {
      EXPECT_TRUE(std::isnan(got.x) && std::isnan(got.y)) << i;
      continue;
    }
    EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0) << i << ": " << got << " vs " << want;
  }
}

TEST(Centroid, CShapeCentroidLiesOutside) {
  // A "C" opening to the right: the mass centre sits in the empty middle.
  cv::Mat mask = cv::Mat::zeros(11, 11, CV_8U);
  mask(cv::Rect(0, 0, 11, 2)).setTo(1);  // top bar
  mask(cv::Rect(0, 9, 11, 2)).setTo(1);  // bottom bar
  mask(cv::Rect(0, 0, 2, 11)).setTo(1);  // left bar
  cv::Point2d c = centroid(mask);
  // Bars: top and bottom 22 px each (x mean 5), left bar adds rows 2..8 (14 px, x mean 0.5).
  EXPECT_NEAR(c.x, (44 * 5.0 + 14 * 0.5) / 58.0, 1e-12);
  EXPECT_DOUBLE_EQ(c.y, 5.0);
  EXPECT_FALSE(contains(mask, c));
}

TEST(Contains, RoundsToTheNearestPixelCentre) {
  cv::Mat mask = cv::Mat::zeros(3, 3, CV_8U);
  mask.at<uchar>(1, 1) = 1;
  EXPECT_TRUE(contains(mask, {1.49, 0.5}));   // row 0.5 rounds up to 1
  EXPECT_FALSE(contains(mask, {1.5, 1.0}));   // column 1.5 rounds up to 2
  EXPECT_FALSE(contains(mask, {-0.6, 1.0}));  // outside the image
  EXPECT_FALSE(contains(mask, {NAN, 1.0}));
}

TEST(CentroidRule, OnePositivePoint) {
  cv::Mat mask = cv::Mat::zeros(5, 5, CV_8U);
  mask.at<uchar>(2, 3) = 1;
  auto rule = make_prompt_rule("centroid");
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0], cv::Point2d(3, 2));
  EXPECT_EQ(p.labels, std::vector<int>{kPositive});
  EXPECT_FALSE(p.box.has_value());
  EXPECT_NE(rule->describe().find("centroid"), std::string::npos);
  EXPECT_EQ(rule->name(), "centroid");
}

TEST(NoneRule, NoPointsNoBox) {
  cv::Mat mask = cv::Mat::ones(5, 5, CV_8U);
  auto rule = make_prompt_rule("none");
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  EXPECT_TRUE(p.points.empty());
  EXPECT_FALSE(p.box.has_value());
  EXPECT_EQ(rule->name(), "none");
}

// ---- centroid_inside --------------------------------------------------------------------------

TEST(CentroidInside, KeepsAnInsideCentroid) {
  cv::Mat mask = rectangle_mask({10, 10}, cv::Rect(2, 4, 3, 2));
  Prompt p = make_prompt_rule("centroid_inside")->make(instance_of(mask), context_for(mask));
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0], cv::Point2d(3.0, 4.5));  // unrounded, as centroid gives it
  EXPECT_EQ(p.labels, std::vector<int>{kPositive});
}

TEST(CentroidInside, CShapeMovesToTheNearestInsidePixel) {
  cv::Mat mask = thick_c();
  // 89 px: bars 30 + 30 (x mean 7), left bar rows 2..8 14 (x mean 0.5), block columns 2..4 15
  // (x mean 3); symmetric in y.
  cv::Point2d c = centroid(mask);
  EXPECT_NEAR(c.x, 472.0 / 89.0, 1e-12);  // 5.30: pixel (5, 5) is in the opening
  EXPECT_DOUBLE_EQ(c.y, 5.0);
  ASSERT_FALSE(contains(mask, c));
  Prompt p = make_prompt_rule("centroid_inside")->make(instance_of(mask), context_for(mask));
  ASSERT_EQ(p.points.size(), 1u);
  // The block's right edge at (4, 5) is 1.30 away; the bars are 4 rows away.
  EXPECT_EQ(p.points[0], cv::Point2d(4, 5));
  EXPECT_TRUE(contains(mask, p.points[0]));
}

TEST(CentroidInside, TiesGoToRasterOrder) {
  cv::Mat mask = cv::Mat::zeros(5, 5, CV_8U);
  mask.at<uchar>(4, 2) = 1;
  mask.at<uchar>(0, 2) = 1;  // centroid (2, 2) is outside, 2 px from both
  EXPECT_EQ(nearest_pixel(mask, centroid(mask)), cv::Point(2, 0));
  Prompt p = make_prompt_rule("centroid_inside")->make(instance_of(mask), context_for(mask));
  EXPECT_EQ(p.points[0], cv::Point2d(2, 0));
}

// ---- interior ---------------------------------------------------------------------------------

TEST(Interior, CShapeGivesTheThickestPoint) {
  cv::Mat mask = thick_c();
  // (2, 5) is 3 px from column -1 (padding), column 5 and row 2 of column 2; every other pixel
  // is nearer to the outside.
  EXPECT_EQ(interior_point(mask), cv::Point(2, 5));
  Prompt p = make_prompt_rule("interior")->make(instance_of(mask), context_for(mask));
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0], cv::Point2d(2, 5));
  EXPECT_EQ(p.labels, std::vector<int>{kPositive});
  EXPECT_FALSE(p.box.has_value());
}

TEST(Interior, ImageBorderCountsAsOutside) {
  // The whole image is the object: without the padding every pixel would be "infinitely" deep.
  // With it, the centre of a 5 x 5 image is 3 px from the border, its neighbours at most 2.
  cv::Mat mask = cv::Mat::ones(5, 5, CV_8U);
  EXPECT_EQ(interior_point(mask), cv::Point(2, 2));
}

TEST(Interior, TiesGoToRasterOrder) {
  // A 2-row strip: every pixel is 1 px from the outside.
  cv::Mat mask = rectangle_mask({6, 6}, cv::Rect(1, 2, 4, 2));
  EXPECT_EQ(interior_point(mask), cv::Point(1, 2));
}

// ---- box --------------------------------------------------------------------------------------

// A 30 x 20 image with the object at columns 5..14, rows 8..11 (10 x 4 px).
cv::Mat box_object() { return rectangle_mask({30, 20}, cv::Rect(5, 8, 10, 4)); }

TEST(Box, DefaultIsTheTightBox) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule("box");
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  expect_box(p, 5, 8, 14, 11);
  EXPECT_TRUE(p.points.empty());
  EXPECT_TRUE(p.labels.empty());
  EXPECT_EQ(rule->name(), "box(margin=0px,jitter=0)");
}

TEST(Box, PixelMargin) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "box"}, {"margin", 3}});
  expect_box(rule->make(instance_of(mask), context_for(mask)), 2, 5, 17, 14);
  EXPECT_EQ(rule->name(), "box(margin=3px,jitter=0)");
  EXPECT_NE(rule->describe().find("3 px"), std::string::npos);
}

TEST(Box, PercentMarginOfEachSide) {
  cv::Mat mask = box_object();
  // 25% of 10 px wide = 2.5, of 4 px high = 1.
  auto rule = make_prompt_rule(json{{"mode", "box"}, {"margin_percent", 25}});
  expect_box(rule->make(instance_of(mask), context_for(mask)), 2.5, 7, 16.5, 12);
  EXPECT_EQ(rule->name(), "box(margin=25%,jitter=0)");
}

TEST(Box, ClippedToTheImage) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "box"}, {"margin", 10}});
  // (-5, -2, 24, 21) → rows end at 19.
  expect_box(rule->make(instance_of(mask), context_for(mask)), 0, 0, 24, 19);
}

TEST(Box, JitterIsBoundedAndReproducible) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "box"}, {"margin", 3}, {"jitter", 0.1}});
  EXPECT_EQ(rule->name(), "box(margin=3px,jitter=0.1)");
  std::set<std::vector<double>> boxes;
  for (int index = 1; index <= 50; ++index) {
    Prompt p = rule->make(instance_of(mask, 1, index), context_for(mask));
    ASSERT_TRUE(p.box.has_value());
    const Box& b = *p.box;
    // Margin box (2, 5, 17, 14); at most 0.1 x 10 px in x and 0.1 x 4 px in y.
    EXPECT_LE(std::abs(b.top_left.x - 2), 1.0);
    EXPECT_LE(std::abs(b.top_left.y - 5), 0.4);
    EXPECT_LE(std::abs(b.bottom_right.x - 17), 1.0);
    EXPECT_LE(std::abs(b.bottom_right.y - 14), 0.4);
    boxes.insert({b.top_left.x, b.top_left.y, b.bottom_right.x, b.bottom_right.y});
    // Same seed, image and instance: the same box.
    Prompt again = rule->make(instance_of(mask, 1, index), context_for(mask));
    EXPECT_EQ(again.box->top_left, b.top_left);
    EXPECT_EQ(again.box->bottom_right, b.bottom_right);
  }
  EXPECT_EQ(boxes.size(), 50u);  // each instance index its own box
  Prompt other_seed = rule->make(instance_of(mask), context_for(mask, 1));
  Prompt seed0 = rule->make(instance_of(mask), context_for(mask, 0));
  EXPECT_NE(other_seed.box->top_left, seed0.box->top_left);
}

TEST(Box, JitterStaysInTheImageAndOrdered) {
  cv::Mat mask = cv::Mat::zeros(4, 4, CV_8U);
  mask.at<uchar>(0, 3) = 1;  // one pixel in a corner: side 1, offsets up to +-1
  auto rule = make_prompt_rule(json{{"mode", "box"}, {"jitter", 1}});
  for (int index = 1; index <= 100; ++index) {
    Box b = *rule->make(instance_of(mask, 1, index), context_for(mask)).box;
    EXPECT_GE(b.top_left.x, 0);
    EXPECT_GE(b.top_left.y, 0);
    EXPECT_LE(b.bottom_right.x, 3);
    EXPECT_LE(b.bottom_right.y, 3);
    EXPECT_LE(b.top_left.x, b.bottom_right.x);
    EXPECT_LE(b.top_left.y, b.bottom_right.y);
  }
}

TEST(BoxPoint, BoxPlusTheInteriorPoint) {
  cv::Mat mask = thick_c();
  auto rule = make_prompt_rule(json{{"mode", "box_point"}, {"margin", 2}});
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  expect_box(p, 0, 0, 14, 10);  // the C fills the image; the margin is clipped away
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0], cv::Point2d(2, 5));
  EXPECT_EQ(p.labels, std::vector<int>{kPositive});
  EXPECT_EQ(rule->name(), "box_point(margin=2px,jitter=0)");
}

// ---- points -----------------------------------------------------------------------------------

TEST(Points, PositivesAreDistinctInstancePixels) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "points"}, {"k", 5}});
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  ASSERT_EQ(p.points.size(), 5u);
  EXPECT_EQ(p.labels, std::vector<int>(5, kPositive));
  std::set<std::pair<double, double>> distinct;
  for (const auto& q : p.points) {
    EXPECT_TRUE(contains(mask, q));
    EXPECT_EQ(q.x, std::floor(q.x));  // pixel centres
    distinct.insert({q.x, q.y});
  }
  EXPECT_EQ(distinct.size(), 5u);
  EXPECT_FALSE(p.box.has_value());
  EXPECT_EQ(rule->name(), "points(k=5,negatives=0,ring=10px)");
}

TEST(Points, DefaultIsOnePositive) {
  cv::Mat mask = box_object();
  Prompt p = make_prompt_rule("points")->make(instance_of(mask), context_for(mask));
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_TRUE(contains(mask, p.points[0]));
}

TEST(Points, SmallInstanceGivesAllItsPixels) {
  cv::Mat mask = rectangle_mask({8, 8}, cv::Rect(3, 3, 1, 2));
  auto rule = make_prompt_rule(json{{"mode", "points"}, {"k", 5}});
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  std::set<std::pair<double, double>> got;
  for (const auto& q : p.points) got.insert({q.x, q.y});
  EXPECT_EQ(got, (std::set<std::pair<double, double>>{{3, 3}, {3, 4}}));
}

TEST(Points, NegativesLieInTheRingOutsideTheInstance) {
  cv::Mat mask = box_object();  // columns 5..14, rows 8..11
  auto rule = make_prompt_rule(json{{"mode", "points"}, {"k", 2}, {"negatives", 6}, {"ring", 2}});
  for (int index = 1; index <= 20; ++index) {
    Prompt p = rule->make(instance_of(mask, 1, index), context_for(mask));
    ASSERT_EQ(p.points.size(), 8u);
    for (size_t i = 0; i < p.points.size(); ++i) {
      const cv::Point2d& q = p.points[i];
      if (i < 2) {
        EXPECT_EQ(p.labels[i], kPositive);
        EXPECT_TRUE(contains(mask, q));
        continue;
      }
      EXPECT_EQ(p.labels[i], kNegative);
      EXPECT_FALSE(contains(mask, q));
      // Within 2 px (Chebyshev bounds the ellipse) of the rectangle.
      EXPECT_GE(q.x, 3);
      EXPECT_LE(q.x, 16);
      EXPECT_GE(q.y, 6);
      EXPECT_LE(q.y, 13);
    }
  }
}

TEST(Points, RingIsClippedToTheImageAndMayBeEmpty) {
  cv::Mat mask = cv::Mat::ones(6, 6, CV_8U);  // nothing outside the object
  auto rule = make_prompt_rule(json{{"mode", "points"}, {"negatives", 3}});
  Prompt p = rule->make(instance_of(mask), context_for(mask));
  EXPECT_EQ(p.labels, std::vector<int>{kPositive});
}

TEST(Points, SeededPerInstance) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "points"}, {"k", 3}, {"negatives", 3}});
  PromptContext context = context_for(mask);
  Prompt a = rule->make(instance_of(mask, 1, 1), context);
  Prompt b = rule->make(instance_of(mask, 1, 1), context);
  Prompt c = rule->make(instance_of(mask, 1, 2), context);
  Prompt d = rule->make(instance_of(mask, 2, 1), context);
  EXPECT_EQ(a.points, b.points);
  EXPECT_NE(a.points, c.points);
  EXPECT_NE(a.points, d.points);
  // The sequence depends on the tuple only: another image id is another draw.
  PromptContext other = context;
  other.image = "case_002/slice_042";
  EXPECT_NE(a.points, rule->make(instance_of(mask, 1, 1), other).points);
}

// Pinned draws for one tuple: std::mt19937_64 is the same everywhere and the mapping to pixels
// is ours, so a different result means the sampling (not the platform) changed.
TEST(Points, GoldenDraw) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "points"}, {"k", 3}, {"negatives", 2}, {"ring", 2}});
  Prompt p = rule->make(instance_of(mask, 1, 1), context_for(mask, 0));
  EXPECT_EQ(p.points, (std::vector<cv::Point2d>{{7, 10}, {12, 10}, {12, 11}, {15, 7}, {4, 8}}));
  EXPECT_EQ(p.labels, (std::vector<int>{kPositive, kPositive, kPositive, kNegative, kNegative}));
}

TEST(Box, GoldenJitter) {
  cv::Mat mask = box_object();
  auto rule = make_prompt_rule(json{{"mode", "box"}, {"margin", 3}, {"jitter", 0.1}});
  Box b = *rule->make(instance_of(mask, 1, 1), context_for(mask, 0)).box;
  EXPECT_NEAR(b.top_left.x, 1.0671111452480611, 1e-12);
  EXPECT_NEAR(b.top_left.y, 4.6430561136128796, 1e-12);
  EXPECT_NEAR(b.bottom_right.x, 17.569732740491983, 1e-12);
  EXPECT_NEAR(b.bottom_right.y, 13.872324506243597, 1e-12);
}

// ---- specs ------------------------------------------------------------------------------------

TEST(PromptRules, UnknownNameIsAnError) {
  EXPECT_THROW(make_prompt_rule("centriod"), Error);
  std::string message = error_of("centriod");
  EXPECT_NE(message.find("box, box_point, centroid, centroid_inside, interior, none, points"),
            std::string::npos)
      << message;
  EXPECT_EQ(error_of(json{{"mode", "boxx"}}),
            "prompt: unknown mode 'boxx' (known: box, box_point, centroid, centroid_inside, "
            "interior, none, points)");
}

TEST(PromptRules, UnknownOptionListsTheKnownOnes) {
  std::string message = error_of(json{{"mode", "box"}, {"marign", 20}});
  EXPECT_NE(message.find("'marign'"), std::string::npos) << message;
  EXPECT_NE(message.find("mode, margin, margin_percent, jitter"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  // Options of another mode are unknown too.
  EXPECT_NE(error_of(json{{"mode", "centroid"}, {"margin", 20}}), "");
  EXPECT_NE(error_of(json{{"mode", "points"}, {"jitter", 0.1}}), "");
}

TEST(PromptRules, BadOptionValuesAreErrors) {
  EXPECT_NE(error_of(json{{"mode", "box"}, {"margin", 5}, {"margin_percent", 5}}), "");
  EXPECT_NE(error_of(json{{"mode", "box"}, {"margin", -1}}), "");
  EXPECT_NE(error_of(json{{"mode", "box"}, {"margin", "20"}}), "");
  EXPECT_NE(error_of(json{{"mode", "box"}, {"jitter", 1.5}}), "");
  EXPECT_NE(error_of(json{{"mode", "points"}, {"k", 0}}), "");
  EXPECT_NE(error_of(json{{"mode", "points"}, {"k", 1.5}}), "");
  EXPECT_NE(error_of(json{{"mode", "points"}, {"negatives", -1}}), "");
  EXPECT_NE(error_of(json{{"mode", "points"}, {"ring", 0}}), "");
  EXPECT_NE(error_of(json{{"margin", 20}}), "");  // no mode
  EXPECT_NE(error_of(json(3)), "");
}

TEST(PromptRules, StringAndObjectSpecsAgree) {
  EXPECT_EQ(make_prompt_rule(std::string("box"))->name(),
            make_prompt_rule(json{{"mode", "box"}})->name());
  EXPECT_EQ(make_prompt_rule(json("points"))->describe(),
            make_prompt_rule(json{{"mode", "points"}, {"k", 1}, {"negatives", 0}, {"ring", 10}})
                ->describe());
  for (const auto& name : prompt_rule_names()) {
    auto rule = make_prompt_rule(name);
    EXPECT_EQ(rule->name().rfind(name, 0), 0u) << name;
    EXPECT_EQ(rule->describe().rfind(name + ":", 0), 0u) << name;
  }
}

TEST(PromptRules, DescribeStatesEveryOption) {
  std::string d =
      make_prompt_rule(json{{"mode", "points"}, {"k", 4}, {"negatives", 2}, {"ring", 7}})->describe();
  EXPECT_NE(d.find("4 positive"), std::string::npos) << d;
  EXPECT_NE(d.find("2 negative"), std::string::npos) << d;
  EXPECT_NE(d.find("7 px"), std::string::npos) << d;
  d = make_prompt_rule(json{{"mode", "box"}, {"margin_percent", 10}, {"jitter", 0.05}})->describe();
  EXPECT_NE(d.find("10%"), std::string::npos) << d;
  EXPECT_NE(d.find("jitter 0.05"), std::string::npos) << d;
}

// ---- the shapes the issue names: ring, one-pixel line, single pixel, object on the border ----

TEST(Shapes, RingCentroidIsInTheHoleAndTheOtherPointsAreNot) {
  cv::Mat ring = cv::Mat::zeros(21, 21, CV_8U);
  cv::circle(ring, {10, 10}, 8, cv::Scalar(1), 3);
  Instance inst = instance_of(ring);
  EXPECT_EQ(centroid(ring), cv::Point2d(10, 10));  // symmetric: the centre of the hole
  EXPECT_FALSE(contains(ring, centroid(ring)));
  for (const char* mode : {"centroid_inside", "interior"}) {
    Prompt p = make_prompt_rule(mode)->make(inst, context_for(ring));
    ASSERT_EQ(p.points.size(), 1u) << mode;
    EXPECT_TRUE(contains(ring, p.points[0])) << mode;
  }
}

TEST(Shapes, OnePixelLine) {
  cv::Mat line = rectangle_mask({12, 5}, {2, 2, 7, 1});  // row 2, columns 2..8
  Instance inst = instance_of(line);
  EXPECT_EQ(make_prompt_rule("centroid")->make(inst, context_for(line)).points[0], cv::Point2d(5, 2));
  // Every pixel is 1 px from the outside: the first in raster order is the interior point.
  EXPECT_EQ(make_prompt_rule("interior")->make(inst, context_for(line)).points[0], cv::Point2d(2, 2));
  expect_box(make_prompt_rule("box")->make(inst, context_for(line)), 2, 2, 8, 2);
}

TEST(Shapes, SinglePixel) {
  cv::Mat pixel = rectangle_mask({6, 6}, {4, 1, 1, 1});
  Instance inst = instance_of(pixel);
  for (const char* mode : {"centroid", "centroid_inside", "interior"}) {
    EXPECT_EQ(make_prompt_rule(mode)->make(inst, context_for(pixel)).points[0], cv::Point2d(4, 1)) << mode;
  }
  expect_box(make_prompt_rule("box")->make(inst, context_for(pixel)), 4, 1, 4, 1);
  Prompt points = make_prompt_rule(json{{"mode", "points"}, {"k", 3}})->make(inst, context_for(pixel));
  EXPECT_EQ(points.points, std::vector<cv::Point2d>{cv::Point2d(4, 1)});
}

TEST(Shapes, ObjectTouchingTheBorder) {
  cv::Mat corner = rectangle_mask({10, 10}, {0, 0, 4, 6});
  Instance inst = instance_of(corner);
  // The image border counts as outside, so the interior point keeps away from it: columns 1..2
  // and rows 1..4 are all 2 px from the outside; the first in raster order is (1, 1).
  cv::Point2d p = make_prompt_rule("interior")->make(inst, context_for(corner)).points[0];
  EXPECT_EQ(p, cv::Point2d(1, 1));
  // A margin cannot push the box out of the image.
  expect_box(make_prompt_rule(json{{"mode", "box"}, {"margin", 5}})->make(inst, context_for(corner)), 0, 0, 8, 9);
}

TEST(CorrectiveClick, LargestErrorRegionDecidesSignAndPlace) {
  cv::Mat truth = cv::Mat::zeros(20, 20, CV_8U), prediction = cv::Mat::zeros(20, 20, CV_8U);
  truth(cv::Rect(2, 2, 10, 10)).setTo(1);
  prediction(cv::Rect(2, 2, 10, 4)).setTo(1);   // misses rows 6..11 of the object (60 px)
  prediction(cv::Rect(15, 15, 3, 3)).setTo(1);  // and overflows by 9 px elsewhere
  auto click = corrective_click(prediction, truth);
  ASSERT_TRUE(click.has_value());
  EXPECT_EQ(click->label, kPositive);
  // The missed band is columns 2..11, rows 6..11 (6 rows high): the distance to its outside
  // peaks at 3 px, first reached in raster order at row 8 (3 px below row 5) and column 4 (3 px
  // right of column 1).
  EXPECT_EQ(click->point, cv::Point2d(4, 8));
}

TEST(CorrectiveClick, OverflowGivesANegativeClick) {
  cv::Mat truth = cv::Mat::zeros(20, 20, CV_8U), prediction = cv::Mat::zeros(20, 20, CV_8U);
  truth(cv::Rect(2, 2, 4, 4)).setTo(1);
  prediction(cv::Rect(2, 2, 4, 4)).setTo(1);
  prediction(cv::Rect(10, 10, 5, 5)).setTo(1);
  auto click = corrective_click(prediction, truth);
  ASSERT_TRUE(click.has_value());
  EXPECT_EQ(click->label, kNegative);
  EXPECT_EQ(click->point, cv::Point2d(12, 12));
}

TEST(CorrectiveClick, ExactMaskNeedsNoClick) {
  cv::Mat truth = cv::Mat::zeros(8, 8, CV_8U);
  truth(cv::Rect(1, 1, 3, 3)).setTo(1);
  EXPECT_FALSE(corrective_click(truth.clone(), truth).has_value());
}

// Security finding 8: a replayed prompt of 5,000 points took 2 GB in the decoder.
TEST(ReadPromptLog, APromptOverThePointLimitIsAnErrorNamingTheFileAndLine) {
  testing::TempDir dir;
  auto line = [](int points) {
    std::string xy, labels;
    for (int i = 0; i < points; ++i) {
      xy += std::string(i ? "," : "") + "[1,2]";
      labels += std::string(i ? "," : "") + "1";
    }
    return "{\"image\":\"a\",\"class_label\":1,\"instance\":" + std::to_string(points) +
           ",\"mode\":\"m\",\"points\":[" + xy + "],\"labels\":[" + labels + "],\"box\":null}\n";
  };
  testing::write_text(dir / "prompts.jsonl", line(3) + line(5000));
  const std::string error = testing::error_of([&] { read_prompt_log(dir / "prompts.jsonl"); });
  EXPECT_TRUE(testing::contains(error, "prompts.jsonl: line 2: a prompt of 5000 points, over the limit of 256")) << error;
  EXPECT_TRUE(testing::contains(error, "replay_max_points")) << error;
  EXPECT_EQ(read_prompt_log(dir / "prompts.jsonl", 5000).size(), 2u);
}

}  // namespace
}  // namespace sambench
