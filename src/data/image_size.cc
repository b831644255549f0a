#include "sambench/data/image_size.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "sambench/base/error.h"

namespace sambench {

namespace {

constexpr uint64_t kDefaultMaxPixels = uint64_t{1} << 28;

uint64_t big_endian(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

uint64_t little_endian(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// JPEG: the first start-of-frame marker (C0-CF but C4, C8, CC) holds height then width.
std::optional<ImageSize> jpeg_size(const std::string& b) {
  size_t at = 2;
  while (at + 9 < b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const unsigned marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {
      ++at;  // fill byte
      continue;
    }
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) return ImageSize{big_endian(b, at + 7, 2), big_endian(b, at + 5, 2)};
    at += 2 + big_endian(b, at + 2, 2);
  }
  return std::nullopt;
}

// TIFF: the first directory's ImageWidth (256) and ImageLength (257) entries.
std::optional<ImageSize> tiff_size(const std::string& b) {
  const bool little = b[0] == 'I';
  auto read = [&](size_t at, int bytes) { return little ? little_endian(b, at, bytes) : big_endian(b, at, bytes); };
  const uint64_t dir = read(4, 4);
  if (dir + 2 > b.size()) return std::nullopt;
  const uint64_t entries = read(dir, 2);
  ImageSize size;
  for (uint64_t i = 0; i < entries && dir + 2 + 12 * (i + 1) <= b.size(); ++i) {
    const size_t at = dir + 2 + 12 * i;
    const uint64_t tag = read(at, 2), type = read(at + 2, 2);
    const uint64_t value = type == 3 ? read(at + 8, 2) : read(at + 8, 4);  // SHORT or LONG
    if (tag == 256) size.width = value;
    if (tag == 257) size.height = value;
  }
  if (size.width == 0 || size.height == 0) return std::nullopt;
  return size;
}

}  // namespace

std::optional<ImageSize> read_image_size(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  // TIFF directories may sit anywhere; 1 MiB covers the usual layouts, and a header past it
  // is left to the decoder.
  std::string b(1 << 20, '\0');
  in.read(&b[0], static_cast<std::streamsize>(b.size()));
  b.resize(static_cast<size_t>(in.gcount()));
  if (b.size() >= 24 && b.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 && b.compare(12, 4, "IHDR") == 0) {
    return ImageSize{big_endian(b, 16, 4), big_endian(b, 20, 4)};
  }
  if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8) {
    return jpeg_size(b);
  }
  if (b.size() >= 10 && (b.compare(0, 6, "GIF87a") == 0 || b.compare(0, 6, "GIF89a") == 0)) {
    return ImageSize{little_endian(b, 6, 2), little_endian(b, 8, 2)};
  }
  if (b.size() >= 26 && b.compare(0, 2, "BM") == 0) {
    const int64_t height = static_cast<int32_t>(little_endian(b, 22, 4));  // negative: top-down rows
    return ImageSize{little_endian(b, 18, 4), static_cast<uint64_t>(height < 0 ? -height : height)};
  }
  if (b.size() >= 8 && (b.compare(0, 4, "II*\0", 4) == 0 || b.compare(0, 4, "MM\0*", 4) == 0)) return tiff_size(b);
  return std::nullopt;
}

uint64_t max_image_pixels() {
  const char* text = std::getenv("SAMBENCH_MAX_IMAGE_PIXELS");
  if (!text || !*text) return kDefaultMaxPixels;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (*end || value == 0) throw Error("SAMBENCH_MAX_IMAGE_PIXELS: expected a positive whole number, got '" + std::string(text) + "'");
  return value;
}

void check_image_size(const std::filesystem::path& path) {
  const auto size = read_image_size(path);
  if (!size) return;
  const uint64_t limit = max_image_pixels();
  // Each side is at most 2^32, so the product fits in 64 bits.
  if (size->width * size->height > limit) {
    throw Error(path, "its header declares " + std::to_string(size->width) + " x " + std::to_string(size->height) +
                          " pixels, over the limit of " + std::to_string(limit) +
                          " (set SAMBENCH_MAX_IMAGE_PIXELS to raise it)");
  }
}

}  // namespace sambench
