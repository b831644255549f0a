#pragma once

// The figures of a run: a per-class Dice bar chart with confidence intervals per result set,
// drawn by matplotlib (scripts/plot_dice.py), and overlays of the best and worst instances of
// each class (OpenCV), like the study's Figures 1-2.

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "sambench/prompts/prompt.h"
#include "sambench/report/report_md.h"
#include "sambench/report/run_tables.h"

namespace sambench {

struct FigureOptions {
  int overlays_per_class = 3;  // best and worst N instances of each class; 0: no overlays
  bool charts = true;
  // Where to read the run's images for the overlays; empty: the recorded root, and only in a
  // run folder the user owns (report/run_dataset.h).
  std::filesystem::path dataset_root;
};

// One instance drawn for the eye: the image (RGB) with the truth's contour in green, the
// prediction's in red, positive points as yellow crosses, negative ones as magenta x marks and
// a box prompt in cyan. BGR, the image's size.
cv::Mat draw_overlay(const cv::Mat& rgb, const cv::Mat& truth, const cv::Mat& prediction, const Prompt* prompt);

// Overlays of small images (a 122x101 CT slice) are drawn upscaled by this whole factor, nearest
// neighbour, so that their longer side reaches about 512 pixels: 1 for images that large already.
int overlay_scale(cv::Size image);

// Writes the figures under RUN/figures/ and says what it wrote and what it could not. Overlays
// need the run's saved predictions (eval --save-predictions) and its dataset; charts need
// python3 with matplotlib (SAMBENCH_PYTHON, default /usr/bin/python3) and the plotting script
// (SAMBENCH_SCRIPTS, default the source tree's scripts/).
Figures make_figures(const RunTables& tables, const FigureOptions& options);

}  // namespace sambench
