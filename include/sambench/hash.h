#pragma once

#include <filesystem>
#include <string>

namespace sambench {

// Lower-case hex SHA-256 of a file's bytes. Throws Error naming the file if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

// Lower-case hex SHA-256 of a string.
std::string sha256_text(const std::string& text);

}  // namespace sambench
