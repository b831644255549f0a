#include "sambench/report/figures.h"

#include <chrono>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fixtures/test_fixtures.h"
#include "sambench/base/file_io.h"
#include "sambench/base/manifest.h"
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
  level.classes[0].count = 3;
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

// Issue 15: with 117 classes the 800x450 chart was unreadable and listed empty classes.
TEST(MakeFigures, TheChartWidensWithTheClassCountAndLeavesEmptyClassesOut) {
  if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-matplotlib is not installed (scripts/setup.sh installs it)";
  }
  TempDir dir;
  RunTables t;
  t.dir = dir.path();
  for (int c = 1; c <= 60; ++c) t.classes.push_back({c, "organ_" + std::to_string(c)});
  t.sets = {{"centroid", ""}};
  LevelSummary level = summarize_level("instance", "instances", {}, t.classes);
  for (int c = 0; c < 40; ++c) {  // 20 classes without instances
    level.classes[c].count = 2;
    level.classes[c].metrics[0] = {2, 0.5, 0.1, 0.5, 0.4, 0.6};
  }
  testing::write_text(dir / "per_class.csv", blocks_csv({{{"centroid"}, &level}}, {"prompt"}));
  Figures figures = make_figures(t, {0, true});
  ASSERT_EQ(figures.charts.size(), 1u) << (figures.notes.empty() ? "" : figures.notes[0]);
  cv::Mat image = cv::imread((dir / figures.charts[0].second).string());
  EXPECT_EQ(image.cols, 800 + 45 * (40 - 16));  // 40 bars drawn, not 60
  EXPECT_EQ(image.rows, 550);
}

// Issue 15: a 122x101 CT slice's overlay was drawn at its native size.
TEST(OverlayScale, SmallImagesAreUpscaledByAWholeFactor) {
  EXPECT_EQ(overlay_scale(cv::Size(122, 101)), 4);   // 488 px wide
  EXPECT_EQ(overlay_scale(cv::Size(600, 400)), 1);
  EXPECT_EQ(overlay_scale(cv::Size(64, 48)), 8);
}

// Issue 15, defect 19: a plotting helper that never returns hung eval forever.
TEST(MakeFigures, AHungPlottingHelperIsStoppedAndSaidOnStderr) {
  TempDir dir;
  testing::write_text(dir / "hang.sh", "#!/bin/sh\nsleep 60\n");
  fs::permissions(dir / "hang.sh", fs::perms::owner_all);
  setenv("SAMBENCH_PYTHON", (dir / "hang.sh").c_str(), 1);
  setenv("SAMBENCH_PLOT_TIMEOUT", "1", 1);
  RunTables t;
  t.dir = dir.path();
  t.classes = {{1, "disk"}};
  t.sets = {{"centroid", ""}};
  ::testing::internal::CaptureStderr();
  const auto start = std::chrono::steady_clock::now();
  Figures figures = make_figures(t, {0, true});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string err = ::testing::internal::GetCapturedStderr();
  unsetenv("SAMBENCH_PYTHON");
  unsetenv("SAMBENCH_PLOT_TIMEOUT");
  EXPECT_LT(seconds, 20.0);
  EXPECT_TRUE(figures.charts.empty());
  ASSERT_EQ(figures.notes.size(), 1u);
  EXPECT_TRUE(testing::contains(figures.notes[0], "gave no answer in time and was stopped")) << figures.notes[0];
  EXPECT_TRUE(testing::contains(err, "WARNING: no bar chart for centroid")) << err;
}

// Issue 15, defect 7: redrawing the figures deleted figures/ whole, the user's files in it too.
TEST(MakeFigures, OnlyTheFiguresTheManifestListsAreRemoved) {
  TempDir dir;
  testing::write_text(dir / "figures/thesis_fig1.pdf", "the user's");
  testing::write_text(dir / "figures/dice_old.png", "an earlier chart");
  write_manifest(dir.path(), {"figures/dice_old.png"});
  RunTables t;
  t.dir = dir.path();
  make_figures(t, {0, false});
  EXPECT_FALSE(fs::exists(dir / "figures/dice_old.png"));
  EXPECT_EQ(read_file(dir / "figures/thesis_fig1.pdf"), "the user's");
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
