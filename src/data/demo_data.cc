#include "sambench/data/demo_data.h"

#include <opencv2/imgproc.hpp>

#include "sambench/base/error.h"
#include "sambench/data/image_io.h"

namespace sambench {

namespace {

namespace fs = std::filesystem;

// Class values of the demo label maps; configs/demo.yaml names them.
enum DemoClass { kDisk = 1, kBox = 2, kCrescent = 3 };

// A smooth, noisy background so the images are not trivially flat.
cv::Mat background(cv::RNG& rng, int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  cv::Vec3d a(rng.uniform(40, 90), rng.uniform(40, 90), rng.uniform(40, 90));
  cv::Vec3d b(rng.uniform(90, 140), rng.uniform(60, 120), rng.uniform(60, 120));
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      double t = 0.5 * (static_cast<double>(r) / height + static_cast<double>(c) / width);
      cv::Vec3d v = a * (1 - t) + b * t;
      image.at<cv::Vec3b>(r, c) = cv::Vec3b(cv::saturate_cast<uchar>(v[0]), cv::saturate_cast<uchar>(v[1]),
                                            cv::saturate_cast<uchar>(v[2]));
    }
  }
  cv::Mat noise(height, width, CV_8UC3);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 24);
  return image + noise;
}

// Draws the same shape into the image (colour) and the label map (class value).
template <typename Draw>
void paint(cv::Mat& image, cv::Mat& labels, int label, const cv::Scalar& colour, Draw draw) {
  draw(image, colour);
  draw(labels, cv::Scalar(label));
}

void add_shapes(cv::RNG& rng, cv::Mat& image, cv::Mat& labels, int index) {
  const int w = image.cols, h = image.rows, s = std::min(w, h);
  auto point = [&](double fx, double fy) { return cv::Point(int(fx * w), int(fy * h)); };

  int disks = 1 + index % 2;
  for (int i = 0; i < disks; ++i) {
    cv::Point c = point(rng.uniform(0.2, 0.45) + 0.35 * i, rng.uniform(0.2, 0.4));
    cv::Size axes(int(s * rng.uniform(0.06, 0.12)), int(s * rng.uniform(0.05, 0.1)));
    double angle = rng.uniform(0.0, 180.0);
    paint(image, labels, kDisk, cv::Scalar(200, 170, 150), [&](cv::Mat& m, const cv::Scalar& v) {
      cv::ellipse(m, c, axes, angle, 0, 360, v, cv::FILLED, cv::LINE_8);
    });
  }

  cv::RotatedRect rect(point(rng.uniform(0.2, 0.4), rng.uniform(0.6, 0.8)),
                       cv::Size2f(float(s * rng.uniform(0.12, 0.2)), float(s * rng.uniform(0.08, 0.15))),
                       float(rng.uniform(0.0, 90.0)));
  cv::Point2f corners[4];
  rect.points(corners);
  std::vector<cv::Point> polygon(corners, corners + 4);
  paint(image, labels, kBox, cv::Scalar(90, 200, 120), [&](cv::Mat& m, const cv::Scalar& v) {
    cv::fillConvexPoly(m, polygon, v, cv::LINE_8);
  });

  // A thick arc: its centre of mass lies in the opening, outside the object, the study's
  // failure case for centroid prompts.
  cv::Point c = point(rng.uniform(0.62, 0.72), rng.uniform(0.6, 0.72));
  int radius = int(s * rng.uniform(0.1, 0.14));
  double start = rng.uniform(0.0, 360.0);
  paint(image, labels, kCrescent, cv::Scalar(60, 90, 220), [&](cv::Mat& m, const cv::Scalar& v) {
    cv::ellipse(m, c, cv::Size(radius, radius), start, 0, 260, v, std::max(4, radius / 3), cv::LINE_8);
  });
}

// Extra organs on a 4x4 grid of cells, each jittered, drawn last (they may cover other shapes).
void add_organs(cv::RNG& rng, cv::Mat& image, cv::Mat& labels, int classes) {
  const int w = image.cols, h = image.rows;
  for (int label = 4; label <= classes; ++label) {
    const int cell = (label - 4) % 16;
    cv::Point c(int(w * (0.125 + 0.25 * (cell % 4) + rng.uniform(-0.05, 0.05))),
                int(h * (0.125 + 0.25 * (cell / 4) + rng.uniform(-0.05, 0.05))));
    cv::Size axes(int(w * rng.uniform(0.03, 0.09)), int(h * rng.uniform(0.03, 0.09)));
    double angle = rng.uniform(0.0, 180.0);
    cv::Scalar colour(rng.uniform(60, 250), rng.uniform(60, 250), rng.uniform(60, 250));
    paint(image, labels, label, colour, [&](cv::Mat& m, const cv::Scalar& v) {
      cv::ellipse(m, c, axes, angle, 0, 360, v, cv::FILLED, cv::LINE_8);
    });
  }
}

}  // namespace

void make_demo_dataset(const fs::path& root, const DemoSpec& spec) {
  // Sizes and formats vary so that the demo exercises every resize path and reader.
  static const cv::Size kSizes[] = {{320, 240}, {256, 256}, {300, 400}, {480, 270}, {200, 150}, {1100, 700}};
  static const char* kFormats[] = {".png", ".png", ".jpg", ".png", ".bmp", ".png"};
  std::error_code ec;
  fs::create_directories(root / "images", ec);
  fs::create_directories(root / "masks", ec);
  if (ec) throw Error(root, "cannot create demo folder: " + ec.message());

  cv::RNG rng(static_cast<uint64_t>(spec.seed) * 7919 + 17);
  for (int i = 0; i < spec.images; ++i) {
    const bool fixed = spec.width > 0 && spec.height > 0;
    const cv::Size size = fixed ? cv::Size(spec.width, spec.height) : kSizes[i % 6];
    const std::string format = fixed ? ".jpg" : kFormats[i % 6];
    cv::Mat image = background(rng, size.width, size.height);
    cv::Mat labels = cv::Mat::zeros(size, CV_8U);
    add_shapes(rng, image, labels, i);
    add_organs(rng, image, labels, spec.classes);
    char name[32];
    std::snprintf(name, sizeof name, "demo_%03d", i);
    cv::cvtColor(image, image, cv::COLOR_RGB2BGR);  // OpenCV writes BGR
    write_image(root / "images" / (std::string(name) + format), image);
    write_image(root / "masks" / (std::string(name) + ".png"), labels);
  }
}

}  // namespace sambench
