#pragma once

// The tight box of a mask's pixels. OpenCV 4.6's cv::boundingRect of an 8-bit mask can be one or
// two columns short when every pixel of the mask lies in its first three columns and its width is
// not a multiple of 4: a row whose start is not 4-byte aligned has its first bytes read one at a
// time, and the scan stops at the first set one, so a 2-pixel-wide object at the left edge of a
// 2-column mask gets width 1. Every box of a mask goes through mask_box instead.

#include <opencv2/core.hpp>

namespace sambench {

// The smallest rectangle holding every non-zero pixel of a single-channel mask (any depth); an
// empty Rect (0, 0, 0, 0) when it has none.
cv::Rect mask_box(const cv::Mat& mask);

}  // namespace sambench
