#include "sambench/model/skimage_resize.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "sambench/base/error.h"

namespace sambench {

namespace {

// Every sum and product below keeps scipy.ndimage's order of operations: the result is cast to
// uint8 by truncation, so a value that lands a rounding error below an integer (as in a flat
// region) must land there exactly as scikit-image's does.

// A float64 array of shape [rows, cols, channels], channels last (numpy's layout for an image).
struct Volume {
  std::array<int, 3> shape{};
  std::vector<double> values;

  size_t stride(int axis) const {
    size_t s = 1;
    for (int a = 2; a > axis; --a) s *= static_cast<size_t>(shape[a]);
    return s;
  }
};

// scipy's "mirror" extension (d c b | a b c d | c b a): the edge sample is not repeated.
int mirror(long long i, int n) {
  if (n <= 1) return 0;
  const long long period = 2LL * n - 2;
  i %= period;
  if (i < 0) i += period;
  return static_cast<int>(i < n ? i : period - i);
}

// Calls fn(line) for every line of `v` along `axis`, writing the changed line back.
template <typename Fn>
void for_each_line(Volume& v, int axis, Fn fn) {
  const int n = v.shape[axis];
  const size_t step = v.stride(axis);
  std::vector<double> line(n);
  const size_t total = v.values.size();
  for (size_t start = 0; start < total; ++start) {
    // A line starts where the index along `axis` is 0.
    if ((start / step) % static_cast<size_t>(n) != 0) continue;
    for (int i = 0; i < n; ++i) line[i] = v.values[start + i * step];
    fn(line);
    for (int i = 0; i < n; ++i) v.values[start + i * step] = line[i];
  }
}

// numpy's float64 sum (pairwise: blocks of 8 partial sums up to 128 values, halves above).
double numpy_sum(const double* a, size_t n) {
  if (n < 8) {
    double s = -0.0;
    for (size_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - n % 8; i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  size_t half = n / 2;
  half -= half % 8;
  return numpy_sum(a, half) + numpy_sum(a + half, n - half);
}

// scipy.ndimage.gaussian_filter1d's kernel: radius int(4 sigma + 0.5), normalized by its sum.
std::vector<double> gaussian_kernel(double sigma) {
  const int radius = static_cast<int>(4.0 * sigma + 0.5);
  const double factor = -0.5 / (sigma * sigma);
  std::vector<double> w;
  for (long long x = -radius; x <= radius; ++x) w.push_back(std::exp(factor * static_cast<double>(x * x)));
  const double total = numpy_sum(w.data(), w.size());
  for (double& v : w) v /= total;
  return w;
}

// scipy's correlate1d with a symmetric kernel: the centre tap, then the pairs inward.
void gaussian_filter_axis(Volume& v, int axis, double sigma) {
  const std::vector<double> w = gaussian_kernel(sigma);
  const int radius = static_cast<int>(w.size() / 2);
  const int n = v.shape[axis];
  std::vector<double> padded(n + 2 * radius);
  for_each_line(v, axis, [&](std::vector<double>& line) {
    for (int i = -radius; i < n + radius; ++i) padded[i + radius] = line[mirror(i, n)];
    for (int i = 0; i < n; ++i) {
      const double* centre = padded.data() + i + radius;
      double out = centre[0] * w[radius];
      for (int j = -radius; j < 0; ++j) out += (centre[j] + centre[-j]) * w[radius + j];
      line[i] = out;
    }
  });
}

// The pole of the cubic B-spline prefilter, sqrt(3) - 2.
constexpr double kPole = -0.267949192431122706472553658494127633;

// The cubic B-spline coefficients of one line, with mirror boundaries (Unser et al.'s two-pass
// recursive filter, initialised for mirror extension as scipy does).
void spline_prefilter(std::vector<double>& c) {
  const long long n = static_cast<long long>(c.size());
  if (n < 2) return;
  const double z = kPole;
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (double& x : c) x *= gain;
  // Causal pass, its first value from the mirrored line.
  const double z_n_1 = std::pow(z, static_cast<double>(n - 1));
  double z_i = z;
  c[0] = c[0] + z_n_1 * c[n - 1];
  for (long long i = 1; i < n - 1; ++i) {
    c[0] += z_i * (c[i] + z_n_1 * c[n - 1 - i]);
    z_i *= z;
  }
  c[0] /= 1 - z_n_1 * z_n_1;
  for (long long i = 1; i < n; ++i) c[i] += z * c[i - 1];
  // Anticausal pass.
  c[n - 1] = (z * c[n - 2] + c[n - 1]) * z / (z * z - 1);
  for (long long i = n - 2; i >= 0; --i) c[i] = z * (c[i + 1] - c[i]);
}

// One output position along an axis: the four input samples it reads and their weights.
struct Taps {
  std::array<int, 4> index{};
  std::array<double, 4> weight{};
};

// scipy.ndimage.zoom's sampling along one axis with grid_mode: output sample k sits at input
// coordinate (k + 0.5) * in / out - 0.5, mirrored into the line when it falls outside.
std::vector<Taps> cubic_taps(int in, int out) {
  const double zoom = static_cast<double>(in) / out;
  std::vector<Taps> taps(out);
  for (int k = 0; k < out; ++k) {
    double cc = (static_cast<double>(k) + 0.5) * zoom - 0.5;
    if (in <= 1) {
      cc = 0;
    } else if (cc < 0) {
      const long long period = 2LL * in - 2;
      cc = static_cast<double>(period * static_cast<long long>(-cc / period)) + cc;
      cc = cc <= 1 - in ? cc + period : -cc;
    } else if (cc > in - 1) {
      const long long period = 2LL * in - 2;
      cc -= static_cast<double>(period * static_cast<long long>(cc / period));
      if (cc >= in) cc = period - cc;
    }
    const long long start = static_cast<long long>(std::floor(cc)) - 1;
    for (int t = 0; t < 4; ++t) taps[k].index[t] = mirror(start + t, in);
    // The cubic B-spline's weights at the fractional offset; the last one is what the others leave.
    const double x = cc - std::floor(cc);
    const double y = x, z = 1.0 - x;
    std::array<double, 4>& w = taps[k].weight;
    w[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
    w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
    w[0] = z * z * z / 6.0;
    w[3] = 1.0;
    for (int t = 0; t < 3; ++t) w[3] -= w[t];
  }
  return taps;
}

}  // namespace

cv::Mat skimage_resize_cubic_aa(const cv::Mat& src, int out_w, int out_h) {
  if (src.depth() != CV_8U) throw Error("skimage_resize_cubic_aa: expected a uint8 image");
  if (src.empty() || out_w < 1 || out_h < 1) throw Error("skimage_resize_cubic_aa: empty image or size");
  const int channels = src.channels();
  Volume v;
  v.shape = {src.rows, src.cols, channels};
  v.values.reserve(src.total() * channels);
  for (int r = 0; r < src.rows; ++r) {
    const uchar* row = src.ptr<uchar>(r);
    for (int i = 0; i < src.cols * channels; ++i) v.values.push_back(row[i]);
  }
  const auto [low, high] = std::minmax_element(v.values.begin(), v.values.end());
  const double min_value = *low, max_value = *high;

  // Anti-aliasing: sigma (factor - 1) / 2 along each shrunk axis; scipy skips sigmas of ~0.
  const std::array<double, 2> factors = {static_cast<double>(src.rows) / out_h, static_cast<double>(src.cols) / out_w};
  for (int axis = 0; axis < 2; ++axis) {
    const double sigma = std::max(0.0, (factors[axis] - 1) / 2);
    if (sigma > 1e-15) gaussian_filter_axis(v, axis, sigma);
  }
  for (int axis = 0; axis < 3; ++axis) for_each_line(v, axis, spline_prefilter);

  const std::vector<Taps> rows = cubic_taps(src.rows, out_h);
  const std::vector<Taps> cols = cubic_taps(src.cols, out_w);
  const std::vector<Taps> chans = cubic_taps(channels, channels);
  cv::Mat out(out_h, out_w, CV_8UC(channels));
  const size_t row_stride = v.stride(0), col_stride = v.stride(1);
  for (int r = 0; r < out_h; ++r) {
    uchar* dst = out.ptr<uchar>(r);
    for (int c = 0; c < out_w; ++c) {
      for (int ch = 0; ch < channels; ++ch) {
        double t = 0.0;
        for (int i = 0; i < 4; ++i) {
          for (int j = 0; j < 4; ++j) {
            const double* base = v.values.data() + rows[r].index[i] * row_stride + cols[c].index[j] * col_stride;
            for (int k = 0; k < 4; ++k) {
              double coeff = base[chans[ch].index[k]];
              coeff *= rows[r].weight[i];
              coeff *= cols[c].weight[j];
              coeff *= chans[ch].weight[k];
              t += coeff;
            }
          }
        }
        t = std::min(std::max(t, min_value), max_value);  // numpy.clip: NaN-free here
        dst[c * channels + ch] = static_cast<uchar>(t);   // astype(uint8) truncates
      }
    }
  }
  return out;
}

}  // namespace sambench
