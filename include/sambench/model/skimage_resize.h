#pragma once

#include <opencv2/core.hpp>

namespace sambench {

// MedSAM's resize: scikit-image's transform.resize(image, (out_h, out_w), order=3,
// anti_aliasing=True, preserve_range=True) followed by astype(uint8), on a uint8 image of any
// channel count. The steps are scikit-image's, in float64 with the same operation order, so the
// uint8 result matches it pixel for pixel: a Gaussian blur with sigma max(0, (factor - 1) / 2)
// per axis (scipy.ndimage.gaussian_filter, truncate 4, mirror edges), a cubic B-spline
// interpolation on the pixel grid (scipy.ndimage.zoom, grid_mode, mirror edges; the prefilter
// runs along the channel axis too, as scipy's does), clipping to the input's range, and
// truncation to uint8.
cv::Mat skimage_resize_cubic_aa(const cv::Mat& src, int out_w, int out_h);

}  // namespace sambench
