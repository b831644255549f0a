#pragma once

// An image's width and height read from its file header, before anything is decoded: a small
// file can declare a huge image (a 388 KB PNG of 20000 x 20000 pixels decodes to gigabytes).

#include <cstdint>
#include <filesystem>
#include <optional>

namespace sambench {

struct ImageSize {
  uint64_t width = 0, height = 0;
};

// The size a PNG, JPEG, GIF, BMP or TIFF header declares; nothing when the format is not one of
// these or the header is cut or malformed (then the decoder reports the problem).
std::optional<ImageSize> read_image_size(const std::filesystem::path& path);

// The most pixels an image may have: 2^28 (about 268 million, 16384 x 16384), or
// $SAMBENCH_MAX_IMAGE_PIXELS when set to a positive whole number.
uint64_t max_image_pixels();

// Throws Error naming the file, its size and the limit when the header declares more pixels
// than max_image_pixels().
void check_image_size(const std::filesystem::path& path);

}  // namespace sambench
