#pragma once

#include <filesystem>

#include <opencv2/core.hpp>

namespace sambench {

// File extensions the image readers accept (lower case, with the dot).
bool is_image_file(const std::filesystem::path& path);

// SAM resizes the long side to 1024 pixels; beyond this ratio the short side rounds to 0.
inline constexpr int kMaxAspectRatio = 2048;

// Reads PNG, JPEG, TIFF, BMP or GIF as RGB uint8 (H x W x 3), in the pixel grid the file stores:
// an EXIF orientation tag is ignored, as it is for masks (and by PIL's open().convert("RGB")),
// since ground truth is drawn on the stored grid. Throws Error naming the file, also for an
// aspect ratio beyond kMaxAspectRatio:1.
cv::Mat read_rgb(const std::filesystem::path& path);

// Whether a JPEG carries an EXIF orientation tag other than 1 (a viewer would rotate or flip it;
// sambench does not). False for other formats and unreadable files.
bool has_orientation_tag(const std::filesystem::path& path);

// Reads a single-channel label map (uint8 or uint16). A 3-channel file is accepted only when its
// channels are equal (a grey image saved as RGB). Throws Error naming the file.
cv::Mat read_label_map(const std::filesystem::path& path);

// Writes an image in the format its extension names; `image` is as OpenCV stores it (BGR for
// colour). Throws Error naming the file when it cannot be written.
void write_image(const std::filesystem::path& path, const cv::Mat& image);

}  // namespace sambench
