#include "sambench/report/figures.h"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/data/image_io.h"
#include "sambench/report/tables.h"

namespace sambench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

bool is_png(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char header[8] = {};
  in.read(header, 8);
  return in && std::string(header, 8) == "\x89PNG\r\n\x1a\n";
}

TEST(DrawOverlay, ContoursAndPromptMarksInTheirColours) {
  cv::Mat rgb(60, 80, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::Mat truth = cv::Mat::zeros(60, 80, CV_8U), prediction = cv::Mat::zeros(60, 80, CV_8U);
  truth(cv::Rect(10, 10, 20, 20)).setTo(1);
  prediction(cv::Rect(40, 30, 20, 20)).setTo(1);
  Prompt prompt;
  prompt.points = {{70.0, 10.0}};
  prompt.labels = {kPositive};
  cv::Mat overlay = draw_overlay(rgb, truth, prediction, &prompt);
  ASSERT_EQ(overlay.size(), rgb.size());
  ASSERT_EQ(overlay.type(), CV_8UC3);
  EXPECT_EQ(overlay.at<cv::Vec3b>(10, 15), cv::Vec3b(0, 255, 0));   // truth's top edge: green (BGR)
  EXPECT_EQ(overlay.at<cv::Vec3b>(20, 20), cv::Vec3b(0, 0, 0));     // inside: the image
  EXPECT_EQ(overlay.at<cv::Vec3b>(30, 45), cv::Vec3b(0, 0, 255));   // prediction's edge: red
  EXPECT_EQ(overlay.at<cv::Vec3b>(10, 70), cv::Vec3b(0, 255, 255)); // the point: yellow

  TempDir dir;
  write_image(dir / "o.png", overlay);
  EXPECT_TRUE(is_png(dir / "o.png"));
  EXPECT_EQ(cv::imread((dir / "o.png").string()).size(), rgb.size());
}

// The bar chart comes from scripts/plot_dice.py through matplotlib: 800x450 pixels.
TEST(MakeFigures, DiceBarChartIsAValidPngOfTheExpectedSize) {
  if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-matplotlib is not installed (scripts/setup.sh installs it)";
  }
  TempDir dir;
  RunTables t;
  t.dir = dir.path();
  t.classes = {{1, "disk"}, {2, "box"}};
  t.sets = {{"centroid", ""}};
  LevelSummary level = summarize_level("instance", "instances", {}, t.classes);
  level.classes[0].metrics[0] = {3, 0.8, 0.1, 0.8, 0.7, 0.9};
  testing::write_text(dir / "per_class.csv", blocks_csv({{{"centroid"}, &level}}, {"prompt"}));
  Figures figures = make_figures(t, {0, true});
  ASSERT_EQ(figures.charts.size(), 1u) << (figures.notes.empty() ? "" : figures.notes[0]);
  fs::path chart = dir / figures.charts[0].second;
  EXPECT_TRUE(is_png(chart));
  cv::Mat image = cv::imread(chart.string());
  EXPECT_EQ(image.cols, 800);
  EXPECT_EQ(image.rows, 450);
}

TEST(MakeFigures, OverlaysNeedSavedPredictions) {
  TempDir dir;
  RunTables t;
  t.dir = dir.path();
  t.classes = {{1, "disk"}};
  t.sets = {{"centroid", ""}};
  InstanceResult r;
  r.result_set = "centroid";
  r.class_label = 1;
  r.dice = 0.5;
  t.instances = {r};
  Figures figures = make_figures(t, {3, false});
  EXPECT_TRUE(figures.overlays.empty());
  ASSERT_EQ(figures.notes.size(), 1u);
  EXPECT_TRUE(testing::contains(figures.notes[0], "--save-predictions"));
}

}  // namespace
}  // namespace sambench
