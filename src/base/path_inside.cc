#include "sambench/base/path_inside.h"

#include "sambench/base/error.h"

namespace sambench {

namespace fs = std::filesystem;

std::string relative_name_problem(const std::string& name) {
  if (name.empty()) return "is empty";
  if (name.find('\0') != std::string::npos) return "holds a NUL byte";
  const fs::path path(name);
  if (path.is_absolute() || path.has_root_name()) return "is an absolute path";
  for (const auto& part : path) {
    if (part == "..") return "leaves its folder through '..'";
    if (part == ".") return "has a '.' part";
  }
  return "";
}

fs::path path_inside(const fs::path& dir, const std::string& name, const fs::path& source) {
  auto refuse = [&](const std::string& reason) {
    return Error(source, "the file name '" + name + "' " + reason + "; refusing to use it");
  };
  if (std::string problem = relative_name_problem(name); !problem.empty()) throw refuse(problem);
  fs::path at = dir;
  for (const auto& part : fs::path(name)) {
    if (part.empty()) continue;  // "a//b"
    at /= part;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(at, ec);
    if (status.type() == fs::file_type::not_found) break;  // nothing below it exists either
    if (fs::is_symlink(status)) throw refuse("goes through the symlink " + at.string());
  }
  return dir / name;
}

}  // namespace sambench
