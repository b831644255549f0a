#include "sambench/prompts/mask_geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "sambench/data/mask_box.h"
#include "sambench/prompts/squared_distance.h"

namespace sambench {

namespace {

// The integer sums of an 8-bit mask's non-zero pixels: the m00, m10 and m01 cv::moments makes
// for a binary image (exact integers in its doubles). Runs of 8 pixels are taken a word at a
// time: zeros skipped, a run inside the object summed in one step, so a large smooth mask costs
// a pass over its bytes.
struct PixelSums {
  long long count = 0, sum_x = 0, sum_y = 0;
};

PixelSums pixel_sums(const cv::Mat& mask) {
  PixelSums s;
  for (int y = 0; y < mask.rows; ++y) {
    const unsigned char* row = mask.ptr<unsigned char>(y);
    long long n = 0, sx = 0;
    int x = 0;
    for (; x + 8 <= mask.cols; x += 8) {
      uint64_t w;
      std::memcpy(&w, row + x, 8);
      if (w == 0) continue;
      if (((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) == 0) {  // no zero byte
        n += 8;
        sx += 8LL * x + 28;
        continue;
      }
      for (int i = x; i < x + 8; ++i) {
        if (row[i]) ++n, sx += i;
      }
    }
    for (; x < mask.cols; ++x) {
      if (row[x]) ++n, sx += x;
    }
    s.count += n;
    s.sum_x += sx;
    s.sum_y += n * y;
  }
  return s;
}

// The centre of mass of `mask` placed at `offset`: the sums are moved to the image's coordinates
// while still integers, so the one division gives the bits a whole-image mask gives.
cv::Point2d centroid_at(const cv::Mat& mask, cv::Point offset) {
  PixelSums s = pixel_sums(mask);
  if (s.count == 0) return {NAN, NAN};
  const double m00 = static_cast<double>(s.count);
  return {static_cast<double>(s.sum_x + offset.x * s.count) / m00,
          static_cast<double>(s.sum_y + offset.y * s.count) / m00};
}

bool contains_at(const cv::Mat& mask, cv::Point offset, cv::Point2d p) {
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
  // Pixel k covers [k - 0.5, k + 0.5): the nearest pixel centre, halves rounding up.
  double col = std::floor(p.x + 0.5) - offset.x, row = std::floor(p.y + 0.5) - offset.y;
  if (row < 0 || col < 0 || row >= mask.rows || col >= mask.cols) return false;
  return mask.at<uchar>(static_cast<int>(row), static_cast<int>(col)) != 0;
}

// Distances are taken in the image's coordinates (col + offset - p), so that they round as the
// whole-image search rounds them.
cv::Point nearest_pixel_at(const cv::Mat& mask, cv::Point offset, cv::Point2d p) {
  cv::Point best(-1, -1);
  double best_d2 = INFINITY;
  for (int row = 0; row < mask.rows; ++row) {
    const uchar* line = mask.ptr<uchar>(row);
    const int y = row + offset.y;
    for (int col = 0; col < mask.cols; ++col) {
      if (!line[col]) continue;
      const int x = col + offset.x;
      double d2 = (x - p.x) * (x - p.x) + (y - p.y) * (y - p.y);
      if (d2 < best_d2) {  // strict: the first in raster order wins a tie
        best_d2 = d2;
        best = {x, y};
      }
    }
  }
  return best;
}

// The mask's pixels in raster order, moved by `offset`; the raster order of a crop is that of the
// image, so a draw from them depends on the object only.
std::vector<cv::Point> pixels_at(const cv::Mat& mask, cv::Point offset) {
  std::vector<cv::Point> pixels;
  for (int row = 0; row < mask.rows; ++row) {
    const uchar* line = mask.ptr<uchar>(row);
    for (int col = 0; col < mask.cols; ++col) {
      if (line[col]) pixels.emplace_back(col + offset.x, row + offset.y);
    }
  }
  return pixels;
}

// The instance's crop pasted into `area` (a rectangle of the image holding its box), 0/1.
cv::Mat crop_in(const Instance& instance, cv::Rect area) {
  cv::Mat out = cv::Mat::zeros(area.size(), CV_8U);
  if (!instance.box.empty()) instance.crop.copyTo(out(instance.box - area.tl()));
  return out;
}

// The largest 8-connected region of `region` (ties to the first OpenCV labels) and its area.
std::pair<int, cv::Mat> largest_region(const cv::Mat& region) {
  cv::Mat labels, stats, centroids;
  int n = cv::connectedComponentsWithStats(region, labels, stats, centroids, 8, CV_32S);
  int best = 0, area = 0;
  for (int k = 1; k < n; ++k) {
    if (stats.at<int>(k, cv::CC_STAT_AREA) > area) best = k, area = stats.at<int>(k, cv::CC_STAT_AREA);
  }
  return {area, cv::Mat(labels == best) / 255};
}

// The click from the two error regions: positive where the object was missed, negative where
// the mask overflows; ties between the two go to the missed region.
std::optional<Click> click_of(std::pair<int, cv::Mat> missed, cv::Point missed_offset,
                              std::pair<int, cv::Mat> extra) {
  if (missed.first == 0 && extra.first == 0) return std::nullopt;
  if (missed.first >= extra.first) {
    return Click{cv::Point2d(interior_point(missed.second) + missed_offset), kPositive};
  }
  return Click{cv::Point2d(interior_point(extra.second)), kNegative};
}

Box box_of(cv::Rect r) { return Box{cv::Point2d(r.x, r.y), cv::Point2d(r.x + r.width - 1, r.y + r.height - 1)}; }

}  // namespace

cv::Point2d centroid(const cv::Mat& mask) {
  if (mask.type() == CV_8U) return centroid_at(mask, {0, 0});
  cv::Moments m = cv::moments(mask, /*binaryImage=*/true);
  if (m.m00 == 0) return {NAN, NAN};
  return {m.m10 / m.m00, m.m01 / m.m00};
}

bool contains(const cv::Mat& mask, cv::Point2d p) { return contains_at(mask, {0, 0}, p); }

cv::Point nearest_pixel(const cv::Mat& mask, cv::Point2d p) { return nearest_pixel_at(mask, {0, 0}, p); }

// Only the mask's box is transformed: a pixel outside it is outside the mask, and what lies beyond
// the crop counts as outside, as the image border does (an object cut by the border has its
// deepest point away from the cut, not on it), so the crop holds the whole mask's distances.
cv::Point interior_point(const cv::Mat& mask) {
  const cv::Rect box = mask_box(mask);
  if (box.empty()) return {-1, -1};
  const cv::Mat distance = squared_distance_to_outside(mask(box) != 0);
  cv::Point best(-1, -1);
  int best_d = 0;
  for (int row = 0; row < distance.rows; ++row) {
    const int* line = distance.ptr<int>(row);
    for (int col = 0; col < distance.cols; ++col) {
      if (line[col] > best_d) {  // strict: the first in raster order wins a tie
        best_d = line[col];
        best = {col, row};
      }
    }
  }
  return best + box.tl();
}

Box tight_box(const cv::Mat& mask) { return box_of(mask_box(mask)); }

// The click an annotator correcting SAM would add: at the distance-transform maximum of the
// largest error region (8-connected), positive where the object was missed, negative where the
// mask overflows; ties between the two go to the missed region. None when the mask is exact.
std::optional<Click> corrective_click(const cv::Mat& prediction, const cv::Mat& truth) {
  return click_of(largest_region((truth != 0) & (prediction == 0)), {0, 0},
                  largest_region((prediction != 0) & (truth == 0)));
}

// The missed pixels lie in the box, so they are labelled there, in the box grown to even
// coordinates: OpenCV numbers components by the 2x2 blocks (at even coordinates) its scan meets
// first, so on that grid they come in the whole image's order, and equal areas tie as they did.
std::optional<Click> corrective_click(const cv::Mat& prediction, const Instance& truth) {
  const cv::Rect image(0, 0, prediction.cols, prediction.rows);
  CV_Assert((truth.box & image) == truth.box);
  const cv::Point even(truth.box.x & ~1, truth.box.y & ~1);
  const cv::Rect area(even, truth.box.br());
  const cv::Mat inside = crop_in(truth, area);
  cv::Mat extra = prediction != 0;
  extra(truth.box).setTo(0, truth.crop != 0);
  return click_of(largest_region((inside != 0) & (prediction(area) == 0)), area.tl(), largest_region(extra));
}

cv::Point2d centroid(const Instance& instance) { return centroid_at(instance.crop, instance.box.tl()); }

bool contains(const Instance& instance, cv::Point2d p) { return contains_at(instance.crop, instance.box.tl(), p); }

cv::Point nearest_pixel(const Instance& instance, cv::Point2d p) {
  return nearest_pixel_at(instance.crop, instance.box.tl(), p);
}

// The crop is the box (interior_point(mask) transforms only the box), placed at the box.
cv::Point interior_point(const Instance& instance) {
  cv::Point p = interior_point(instance.crop);
  return p.x < 0 ? p : p + instance.box.tl();
}

// The box find_instances measured (connectedComponentsWithStats) is already the tight one.
Box tight_box(const Instance& instance) { return box_of(instance.box); }

std::vector<cv::Point> pixels_of(const Instance& instance) { return pixels_at(instance.crop, instance.box.tl()); }

// Only the box grown by the radius (inside the image) can hold ring pixels; the dilation there
// treats what lies beyond as background, which it is.
std::vector<cv::Point> ring_pixels(const Instance& instance, int radius, cv::Size image_size) {
  const cv::Rect area = cv::Rect(instance.box.x - radius, instance.box.y - radius, instance.box.width + 2 * radius,
                                 instance.box.height + 2 * radius) &
                        cv::Rect(0, 0, image_size.width, image_size.height);
  const cv::Mat inside = crop_in(instance, area);
  cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
  cv::Mat grown;
  cv::dilate(inside != 0, grown, kernel, cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  return pixels_at(grown & (inside == 0), area.tl());
}

}  // namespace sambench
