#include "sambench/data/image_io.h"

#include <algorithm>
#include <fstream>
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

// A 16- or 32-bit value of a TIFF block (EXIF), in its byte order.
unsigned tiff_value(const std::string& data, size_t at, int bytes, bool big_endian) {
  unsigned value = 0;
  for (int i = 0; i < bytes; ++i) {
    const unsigned byte = static_cast<unsigned char>(data[at + (big_endian ? i : bytes - 1 - i)]);
    value = (value << 8) | byte;
  }
  return value;
}

// The orientation (tag 0x0112) of IFD0 in an EXIF block starting at `tiff`, 0 when absent.
unsigned exif_orientation(const std::string& data, size_t tiff, size_t end) {
  if (tiff + 8 > end) return 0;
  const bool big = data.compare(tiff, 2, "MM") == 0;
  if (!big && data.compare(tiff, 2, "II") != 0) return 0;
  const size_t ifd = tiff + tiff_value(data, tiff + 4, 4, big);
  if (ifd + 2 > end) return 0;
  const unsigned entries = tiff_value(data, ifd, 2, big);
  for (unsigned i = 0; i < entries && ifd + 2 + 12 * (i + 1) <= end; ++i) {
    const size_t entry = ifd + 2 + 12 * i;
    if (tiff_value(data, entry, 2, big) == 0x0112) return tiff_value(data, entry + 8, 2, big);
  }
  return 0;
}

}  // namespace

bool has_orientation_tag(const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  if (ext != ".jpg" && ext != ".jpeg") return false;
  std::ifstream in(path, std::ios::binary);
  std::string data(64 * 1024, '\0');  // EXIF sits in the first segments, before the image data
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() < 4 || data.compare(0, 2, "\xFF\xD8") != 0) return false;
  for (size_t at = 2; at + 4 <= data.size() && static_cast<unsigned char>(data[at]) == 0xFF;) {
    const unsigned marker = static_cast<unsigned char>(data[at + 1]);
    const size_t length = tiff_value(data, at + 2, 2, true);
    if (marker == 0xDA || length < 2) return false;  // start of scan: no EXIF before it
    const size_t end = std::min(data.size(), at + 2 + length);
    if (marker == 0xE1 && at + 10 <= end && data.compare(at + 4, 6, std::string("Exif\0\0", 6)) == 0) {
      const unsigned orientation = exif_orientation(data, at + 10, end);
      return orientation > 1;
    }
    at += 2 + length;
  }
  return false;
}

bool is_image_file(const std::filesystem::path& path) {
  static const char* kExtensions[] = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"};
  std::string ext = lower_extension(path);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* e) { return ext == e; });
}

namespace {

// SAM scales the long side to 1024 pixels and rounds the short side, which is 0 pixels beyond
// 2048:1; the resize would then fail deep inside the model.
void require_sam_aspect_ratio(const std::filesystem::path& path, const cv::Mat& image) {
  const int longer = std::max(image.rows, image.cols), shorter = std::min(image.rows, image.cols);
  if (static_cast<long long>(longer) > static_cast<long long>(kMaxAspectRatio) * shorter) {
    throw Error(path, "image is " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                          ": an aspect ratio beyond " + std::to_string(kMaxAspectRatio) +
                          ":1 leaves no pixel on its short side at SAM's 1024-pixel input");
  }
}

}  // namespace

cv::Mat read_rgb(const std::filesystem::path& path) {
  cv::Mat image = decode(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  require_sam_aspect_ratio(path, image);
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
