// sambench's scikit-image resize (MedSAM's preprocessing) against scikit-image itself:
// tests/fixtures/medsam/skimage_resize.json holds small images and what
// transform.resize(order=3, anti_aliasing=True, preserve_range=True).astype(uint8) made of them
// (scripts/make_medsam_fixtures.py). Every pixel must match.

#include "sambench/model/skimage_resize.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fixtures/test_fixtures.h"

namespace sambench {
namespace {

nlohmann::json resize_cases() {
  std::ifstream in(std::filesystem::path(SAMBENCH_SOURCE_DIR) / "tests/fixtures/medsam/skimage_resize.json");
  if (!in) throw std::runtime_error("no tests/fixtures/medsam/skimage_resize.json");
  return nlohmann::json::parse(in)["cases"];
}

TEST(SkimageResize, MatchesScikitImagePixelForPixel) {
  const nlohmann::json cases = resize_cases();
  ASSERT_GE(cases.size(), 6u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const int h = c["shape"][0], w = c["shape"][1], channels = c["shape"][2];
    std::vector<uchar> pixels = c["pixels"].get<std::vector<uchar>>();
    const cv::Mat image(h, w, CV_8UC(channels), pixels.data());
    const int out_h = c["out_shape"][0], out_w = c["out_shape"][1];
    const cv::Mat out = skimage_resize_cubic_aa(image, out_w, out_h);
    ASSERT_EQ(out.rows, out_h);
    ASSERT_EQ(out.cols, out_w);
    ASSERT_EQ(out.channels(), channels);
    const std::vector<uchar> expected = c["expected"].get<std::vector<uchar>>();
    const std::vector<uchar> got(out.data, out.data + out.total() * out.elemSize());
    int differ = 0;
    for (size_t i = 0; i < got.size(); ++i) differ += got[i] != expected[i];
    EXPECT_EQ(differ, 0);
  }
}

TEST(SkimageResize, RefusesWhatItCannotResize) {
  EXPECT_TRUE(testing::contains(testing::error_of([] { skimage_resize_cubic_aa(cv::Mat(4, 4, CV_32FC3), 2, 2); }),
                                "expected a uint8 image"));
  EXPECT_TRUE(testing::contains(testing::error_of([] { skimage_resize_cubic_aa(cv::Mat(4, 4, CV_8UC3), 0, 2); }),
                                "empty image or size"));
}

}  // namespace
}  // namespace sambench
