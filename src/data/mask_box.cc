#include "sambench/data/mask_box.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace sambench {

namespace {

// The first non-zero byte of row[from, to), or `to`. Zero runs are skipped 8 bytes at a time:
// most of a mask's rows are background.
int first_set(const uchar* row, int from, int to) {
  int x = from;
  for (; x + 8 <= to; x += 8) {
    uint64_t w;
    std::memcpy(&w, row + x, 8);
    if (w != 0) break;
  }
  while (x < to && !row[x]) ++x;
  return x;
}

// The last non-zero byte of row[from, to), or from - 1.
int last_set(const uchar* row, int from, int to) {
  int x = to;
  for (; x - 8 >= from; x -= 8) {
    uint64_t w;
    std::memcpy(&w, row + x - 8, 8);
    if (w != 0) break;
  }
  while (x > from && !row[x - 1]) --x;
  return x - 1;
}

}  // namespace

cv::Rect mask_box(const cv::Mat& mask) {
  if (mask.empty()) return {};
  CV_Assert(mask.channels() == 1 && mask.dims == 2);
  if (mask.depth() != CV_8U && mask.depth() != CV_8S) return mask_box(mask != 0);
  int left = mask.cols, right = -1, top = -1, bottom = -1;
  for (int y = 0; y < mask.rows; ++y) {
    const uchar* row = mask.ptr<uchar>(y);
    const int first = first_set(row, 0, mask.cols);
    if (first == mask.cols) continue;
    if (top < 0) top = y;
    bottom = y;
    left = std::min(left, first);
    // Only columns right of the box so far can widen it; `first` bounds the search from below.
    right = std::max(right, last_set(row, std::max(first, right + 1), mask.cols));
  }
  if (top < 0) return {};
  return {left, top, right - left + 1, bottom - top + 1};
}

}  // namespace sambench
