#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace sambench {

// False only in a model-only build made without OpenSSL (CMakeLists.txt, SAMBENCH_MODEL_ONLY),
// where every hash throws Error and models are loaded unhashed.
bool sha256_available();

// Lower-case hex SHA-256 of a file's bytes. Throws Error naming the file and the reason if it
// cannot be opened, is not a regular file (a folder, FIFO or device), or a read fails.
std::string sha256_file(const std::filesystem::path& path);

// Lower-case hex SHA-256 of a string.
std::string sha256_text(const std::string& text);

// SHA-256 over several pieces of memory, fed in order (cache keys, checksums).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(const void* data, size_t size);
  Sha256& update(const std::string& text) { return update(text.data(), text.size()); }
  std::string hex();  // lower-case; ends the digest

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sambench
