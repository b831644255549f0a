#include "sambench/data/image_io.h"

#include <algorithm>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "sambench/base/error.h"
#include "sambench/base/file_io.h"
#include "sambench/data/image_size.h"

namespace sambench {

namespace {

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

void require_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path, "file not found");
}

// OpenCV 4.6's imread has no GIF decoder (DRIVE ships its masks as GIF); its FFmpeg backend
// decodes the first frame instead, as BGR.
cv::Mat read_gif(const std::filesystem::path& path) {
  cv::VideoCapture capture(path.string(), cv::CAP_FFMPEG);
  cv::Mat frame;
  if (!capture.isOpened() || !capture.read(frame)) return {};
  return frame;
}

// libjpeg decodes a truncated JPEG with only a warning, greying the missing rows; a complete
// file has its end-of-image marker after the last start-of-scan (markers cannot occur inside
// scan data, where 0xFF bytes are stuffed).
void require_complete_jpeg(const std::filesystem::path& path) {
  const std::string data = read_file(path);
  const size_t scan = data.rfind("\xFF\xDA");
  if (scan == std::string::npos || data.find("\xFF\xD9", scan) == std::string::npos) {
    throw Error(path, "truncated or corrupt JPEG (no end-of-image marker after the image data)");
  }
}

cv::Mat decode(const std::filesystem::path& path, int flags) {
  require_file(path);
  check_image_size(path);  // before the decoder allocates what the header declares
  const std::string ext = lower_extension(path);
  if (ext == ".jpg" || ext == ".jpeg") require_complete_jpeg(path);
  cv::Mat image;
  try {
    image = ext == ".gif" ? read_gif(path) : cv::imread(path.string(), flags);
  } catch (const cv::Exception& e) {
    throw Error(path, "cannot decode image: " + first_line(e.what()));
  }
  if (image.empty()) {
    throw Error(path, "cannot decode image (corrupt, truncated or unsupported format)");
  }
  return image;
}

}  // namespace

bool is_image_file(const std::filesystem::path& path) {
  static const char* kExtensions[] = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"};
  std::string ext = lower_extension(path);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* e) { return ext == e; });
}

cv::Mat read_rgb(const std::filesystem::path& path) {
  cv::Mat image = decode(path, cv::IMREAD_COLOR);
  if (image.depth() != CV_8U) {
    throw Error(path, "expected an 8-bit image, got bit depth code " + std::to_string(image.depth()));
  }
  cv::Mat rgb;
  if (image.channels() == 1) {
    cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  } else {
    cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
  }
  return rgb;
}

cv::Mat read_label_map(const std::filesystem::path& path) {
  cv::Mat labels = decode(path, cv::IMREAD_UNCHANGED);
  if (labels.depth() != CV_8U && labels.depth() != CV_16U) {
    throw Error(path, "label map must be 8- or 16-bit integers");
  }
  if (labels.channels() == 4) cv::cvtColor(labels, labels, cv::COLOR_BGRA2BGR);
  if (labels.channels() == 3) {
    std::vector<cv::Mat> planes;
    cv::split(labels, planes);
    if (cv::countNonZero(planes[0] != planes[1]) || cv::countNonZero(planes[0] != planes[2])) {
      throw Error(path, "label map has colour pixels (channels differ); expected one value per pixel");
    }
    labels = planes[0];
  }
  return labels;
}

// Encoded in memory, then written by write_file_atomic: imwrite does not check the final flush,
// so a full disk would leave a cut file behind a success.
void write_image(const std::filesystem::path& path, const cv::Mat& image) {
  std::vector<uchar> bytes;
  bool ok = false;
  try {
    ok = cv::imencode(path.extension().string(), image, bytes);
  } catch (const cv::Exception& e) {
    throw Error(path, "cannot encode image: " + first_line(e.what()));
  }
  if (!ok) throw Error(path, "cannot encode image");
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace sambench
