#include "sambench/base/error.h"

#include <sstream>

namespace sambench {

// Normalized, so that a root given as "data/." is not printed as "data/./images/a.png".
Error::Error(const std::filesystem::path& file, const std::string& reason)
    : std::runtime_error(file.lexically_normal().string() + ": " + reason) {}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string first_line(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t start = line.find_first_not_of(" \t\r");
    if (start != std::string::npos) return line.substr(start);
  }
  return text;
}

}  // namespace sambench
