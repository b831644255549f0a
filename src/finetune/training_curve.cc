#include "sambench/finetune/training_curve.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "sambench/base/error.h"
#include "sambench/report/tables.h"

namespace sambench {

namespace {

const cv::Rect kPlot(80, 40, 640, 380);  // inside a 800 x 480 canvas
const cv::Scalar kLoss(200, 80, 20), kDice(30, 140, 30), kInk(40, 40, 40);  // BGR

void text(cv::Mat& img, const std::string& s, cv::Point at, const cv::Scalar& colour) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv::LINE_AA);
}

// One series as a polyline with dots; value_of gives NaN for a missing point.
template <typename F>
void series(cv::Mat& img, const std::vector<EpochRecord>& log, int max_epoch, double lo, double hi,
            const cv::Scalar& colour, F value_of) {
  cv::Point previous(-1, -1);
  for (const auto& r : log) {
    double v = value_of(r);
    if (std::isnan(v)) {
      previous = {-1, -1};
      continue;
    }
    int x = kPlot.x + static_cast<int>(std::lround(kPlot.width * r.epoch / std::max(1, max_epoch)));
    int y = kPlot.y + kPlot.height - static_cast<int>(std::lround(kPlot.height * (v - lo) / (hi - lo)));
    cv::Point p(x, y);
    if (previous.x >= 0) cv::line(img, previous, p, colour, 2, cv::LINE_AA);
    cv::circle(img, p, 3, colour, cv::FILLED, cv::LINE_AA);
    previous = p;
  }
}

}  // namespace

void write_training_curve(const std::filesystem::path& png, const std::vector<EpochRecord>& log) {
  cv::Mat img(480, 800, CV_8UC3, cv::Scalar(255, 255, 255));
  int max_epoch = 1;
  double max_loss = 0;
  for (const auto& r : log) {
    max_epoch = std::max(max_epoch, r.epoch);
    if (!std::isnan(r.train_loss)) max_loss = std::max(max_loss, r.train_loss);
  }
  if (max_loss <= 0) max_loss = 1;
  cv::rectangle(img, kPlot, kInk, 1);
  for (int i = 0; i <= 4; ++i) {
    int y = kPlot.y + kPlot.height - kPlot.height * i / 4;
    cv::line(img, {kPlot.x, y}, {kPlot.x + kPlot.width, y}, cv::Scalar(225, 225, 225), 1);
    text(img, format_number(max_loss * i / 4, 3), {kPlot.x - 60, y + 5}, kLoss);
    text(img, format_number(i / 4.0, 2), {kPlot.x + kPlot.width + 8, y + 5}, kDice);
  }
  const int step = std::max(1, max_epoch / 10);
  for (int e = 0; e <= max_epoch; e += step) {
    int x = kPlot.x + kPlot.width * e / max_epoch;
    text(img, std::to_string(e), {x - 5, kPlot.y + kPlot.height + 20}, kInk);
  }
  text(img, "epoch", {kPlot.x + kPlot.width / 2 - 20, kPlot.y + kPlot.height + 45}, kInk);
  text(img, "train loss", {kPlot.x, 25}, kLoss);
  text(img, "validation Dice", {kPlot.x + kPlot.width - 120, 25}, kDice);
  series(img, log, max_epoch, 0, max_loss, kLoss, [](const EpochRecord& r) { return r.train_loss; });
  series(img, log, max_epoch, 0, 1, kDice, [](const EpochRecord& r) { return r.validation_dice; });
  bool written = false;
  try {
    written = cv::imwrite(png.string(), img);
  } catch (const cv::Exception& e) {
    throw Error(png, "cannot write the PNG: " + first_line(e.what()));
  }
  if (!written) throw Error(png, "cannot write the PNG");
}

}  // namespace sambench
