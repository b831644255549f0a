#pragma once

#include <filesystem>
#include <string>

namespace sambench {

// Lower-case hex SHA-256 of a file's bytes. Throws Error naming the file if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace sambench
