#pragma once

// The exact Euclidean distance transform, in integers. OpenCV 4.6's precise cv::distanceTransform
// works on squares in float, which stop being exact integers past 2^24: in a mask wider than about
// 4096 px background pixels get distances of 1 or 2, and the deepest pixel it finds can lie
// outside the object.

#include <opencv2/core.hpp>

namespace sambench {

// For every pixel of an 8-bit mask, the squared distance (between pixel centres) to the nearest
// zero pixel, with everything beyond the mask's border counted as zero; 0 on zero pixels. CV_32S,
// the mask's size. The two-pass lower-envelope method of Felzenszwalb and Huttenlocher, whose
// parabola intersections are exact here (integer squares, a division compared with integers).
cv::Mat squared_distance_to_outside(const cv::Mat& mask);

}  // namespace sambench
