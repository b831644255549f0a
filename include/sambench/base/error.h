#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace sambench {

// Every failure a user can cause (bad file, bad config, bad model) is an Error whose message is
// one line: "<file>: <reason>". The CLI prints it as is and exits non-zero.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(const std::filesystem::path& file, const std::string& reason);
};

// "a, b, c": for messages that list the accepted names.
std::string join(const std::vector<std::string>& names);

// Collapses a multi-line message (LibTorch, yaml-cpp) into its first meaningful line.
std::string first_line(const std::string& text);

}  // namespace sambench
