#include "sambench/base/manifest.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "sambench/base/file_io.h"

namespace sambench {

namespace fs = std::filesystem;

namespace {

// True if no folder between dir and dir/name is a symbolic link: removing through one would
// delete outside the run folder.
bool no_link_on_the_way(const fs::path& dir, const fs::path& name) {
  fs::path at = dir;
  const fs::path parent = name.parent_path();
  for (const auto& part : parent) {
    at /= part;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(at, ec))) return false;
  }
  return true;
}

// The folders of `files`, deepest first, so that a parent is tried after its children.
std::vector<fs::path> folders_of(const std::vector<std::string>& files) {
  std::set<fs::path> folders;
  for (const auto& file : files) {
    for (fs::path p = fs::path(file).parent_path(); !p.empty(); p = p.parent_path()) folders.insert(p);
  }
  std::vector<fs::path> out(folders.begin(), folders.end());
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());
  });
  return out;
}

}  // namespace

bool is_plain_relative(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string::npos) return false;
  std::istringstream parts(name);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return name.back() != '/';
}

std::vector<std::string> read_manifest(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  const fs::path file = dir / kManifestFile;
  // Only a missing manifest means "no files". Anything else there (a folder, FIFO, device or
  // symlink) is refused by name: taken as "none", the run would go on and then fail to write its
  // own manifest at the end, or a report would keep stale figures without a word.
  if (fs::symlink_status(file, ec).type() == fs::file_type::not_found) return files;
  std::istringstream lines(read_regular_file(file, kMaxManifestBytes));
  std::string line;
  while (std::getline(lines, line)) {
    if (is_plain_relative(line)) files.push_back(line);
  }
  return files;
}

void write_manifest(const fs::path& dir, std::vector<std::string> files) {
  files.push_back(kManifestFile);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  std::string text;
  for (const auto& f : files) text += f + "\n";
  write_file_atomic(dir / kManifestFile, text);
}

void update_manifest(const fs::path& dir, const std::vector<std::string>& added, const std::string& replaced_prefix) {
  std::vector<std::string> files;
  for (auto& f : read_manifest(dir)) {
    if (replaced_prefix.empty() || f.rfind(replaced_prefix, 0) != 0) files.push_back(f);
  }
  files.insert(files.end(), added.begin(), added.end());
  write_manifest(dir, files);
}

void remove_listed_files(const fs::path& dir, const std::vector<std::string>& files) {
  std::vector<std::string> removable;
  for (const auto& name : files) {
    if (!is_plain_relative(name) || !no_link_on_the_way(dir, name)) continue;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(dir / name, ec);
    if (fs::is_directory(status)) continue;  // the manifest lists files; a folder is someone's
    fs::remove(dir / name, ec);
    removable.push_back(name);
  }
  for (const auto& folder : folders_of(removable)) {
    std::error_code ec;
    if (!no_link_on_the_way(dir, folder / "x") || fs::is_symlink(fs::symlink_status(dir / folder, ec))) continue;
    if (fs::is_empty(dir / folder, ec) && !ec) fs::remove(dir / folder, ec);
  }
}

}  // namespace sambench
