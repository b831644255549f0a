#pragma once

// The loaders that read files a user hands sambench, fed arbitrary bytes: by the libFuzzer
// targets (scripts/fuzz.sh) and by fuzz_corpus_test.cc, which replays the kept seeds and
// crashers. A loader may reject the bytes with sambench::Error; anything else (another
// exception, a crash, a sanitizer report) is a bug.

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "sambench/data/config.h"
#include "sambench/base/error.h"
#include "sambench/data/image_io.h"
#include "sambench/data/volume_io.h"
#include "run/settings.h"

namespace sambench::fuzz {

// A folder of its own under the system temp folder (mkdtemp: unique per process), removed with
// what is in it when the object goes.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sambench_fuzz_XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temp folder like " + pattern);
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The bytes as a file named with `extension`, in the process's temp folder. The folder is made
// on the first call and removed when the process exits (a static's destructor: libFuzzer's
// -max_total_time and -runs end with exit(), as does the test runner).
inline std::filesystem::path as_file(const uint8_t* data, size_t size, const std::string& extension) {
  static const TempFolder dir;
  std::filesystem::path file = dir.path() / ("input" + extension);
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
  return file;
}

template <typename F>
void rejecting_errors(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

// The first byte picks the format (the decoder follows the extension), the rest is the file.
inline void load_image(const uint8_t* data, size_t size) {
  static const char* kExtensions[] = {".png", ".jpg", ".tif", ".bmp", ".gif"};
  if (size < 1) return;
  auto file = as_file(data + 1, size - 1, kExtensions[data[0] % 5]);
  rejecting_errors([&] { read_rgb(file); });
  rejecting_errors([&] { read_label_map(file); });
}

inline void load_volume(const uint8_t* data, size_t size) {
  if (size < 1) return;
  auto file = as_file(data + 1, size - 1, data[0] % 2 ? ".nii.gz" : ".nii");
  rejecting_errors([&] { read_volume(file); });
  rejecting_errors([&] { read_label_volume(file); });
}

inline void load_config_file(const uint8_t* data, size_t size) {
  auto file = as_file(data, size, ".yaml");
  rejecting_errors([&] {
    const Config config = load_config(file);
    validate(config);
    settings_of(config);  // the names the modules check, as eval does before the model loads
  });
}

}  // namespace sambench::fuzz
