#include "sambench/prompts/squared_distance.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace sambench {

namespace {

// Each pixel's distance to the nearest zero in its column, the rows beyond the border counting as
// zero: a pass down and a pass up.
cv::Mat column_distances(const cv::Mat& mask) {
  cv::Mat g(mask.size(), CV_32S);
  for (int y = 0; y < mask.rows; ++y) {
    const uchar* m = mask.ptr<uchar>(y);
    int* row = g.ptr<int>(y);
    const int* above = y > 0 ? g.ptr<int>(y - 1) : nullptr;
    for (int x = 0; x < mask.cols; ++x) row[x] = m[x] ? (above ? above[x] : 0) + 1 : 0;
  }
  for (int y = mask.rows - 1; y >= 0; --y) {
    int* row = g.ptr<int>(y);
    const int* below = y + 1 < mask.rows ? g.ptr<int>(y + 1) : nullptr;
    for (int x = 0; x < mask.cols; ++x) row[x] = std::min(row[x], (below ? below[x] : 0) + 1);
  }
  return g;
}

// One row: d(x) = min over q of (x - q)^2 + f(q), q ranging over the row's columns and one zero
// column beyond each end, by the lower envelope of those parabolas. `f` holds the squared column
// distances at positions 1..n (0 and n + 1 are the zeros beyond the border).
class RowEnvelope {
 public:
  explicit RowEnvelope(int n) : f_(n + 2), v_(n + 2), z_(n + 3) {}

  void run(const int* column, int* out, int n) {
    f_[0] = f_[n + 1] = 0;
    for (int x = 0; x < n; ++x) f_[x + 1] = static_cast<int64_t>(column[x]) * column[x];
    build(n + 2);
    int k = 0;
    for (int q = 1; q <= n; ++q) {
      while (z_[k + 1] < q) ++k;
      const int64_t dq = q - v_[k];
      out[q - 1] = static_cast<int>(dq * dq + f_[v_[k]]);
    }
  }

 private:
  // Where the parabolas of p and q (p < q) meet: exact in a double (integers below 2^53 over a
  // small even integer); a tie at an integer position gives both the same value there.
  double meet(int p, int q) const {
    const int64_t num = (f_[q] + int64_t{q} * q) - (f_[p] + int64_t{p} * p);
    return static_cast<double>(num) / (2.0 * (q - p));
  }

  void build(int count) {
    int k = 0;
    v_[0] = 0;
    z_[0] = -std::numeric_limits<double>::infinity();
    z_[1] = std::numeric_limits<double>::infinity();
    for (int q = 1; q < count; ++q) {
      double s = meet(v_[k], q);
      while (s <= z_[k]) s = meet(v_[--k], q);
      ++k;
      v_[k] = q;
      z_[k] = s;
      z_[k + 1] = std::numeric_limits<double>::infinity();
    }
  }

  std::vector<int64_t> f_;
  std::vector<int> v_;
  std::vector<double> z_;
};

}  // namespace

cv::Mat squared_distance_to_outside(const cv::Mat& mask) {
  CV_Assert(mask.type() == CV_8U);
  cv::Mat d = column_distances(mask);
  RowEnvelope envelope(mask.cols);
  std::vector<int> column(static_cast<size_t>(mask.cols));
  for (int y = 0; y < mask.rows; ++y) {
    int* row = d.ptr<int>(y);
    std::copy(row, row + mask.cols, column.begin());
    envelope.run(column.data(), row, mask.cols);
  }
  return d;
}

}  // namespace sambench
