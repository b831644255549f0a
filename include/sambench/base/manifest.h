#pragma once

// A run folder's manifest (manifest.txt): every file sambench wrote there, one path per line,
// relative to the folder. A later run or report in the same folder removes only what the
// manifest lists: a user's own files beside sambench's are never deleted.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace sambench {

inline constexpr const char* kManifestFile = "manifest.txt";
inline constexpr size_t kMaxManifestBytes = size_t{256} << 20;  // a bound on reading one back

// The listed files; none when the folder has no manifest. Lines that are not a plain relative
// path inside the folder are left out (is_plain_relative). Throws Error naming the manifest when
// something other than a regular file is there (a folder, FIFO, device or symlink) or it is
// over kMaxManifestBytes.
std::vector<std::string> read_manifest(const std::filesystem::path& dir);

// Writes the manifest, sorted and without duplicates, itself included.
void write_manifest(const std::filesystem::path& dir, std::vector<std::string> files);

// Adds files to the manifest and drops those whose path starts with `replaced_prefix` (e.g.
// "figures/" when the figures are redrawn); empty: drops none.
void update_manifest(const std::filesystem::path& dir, const std::vector<std::string>& added,
                     const std::string& replaced_prefix = "");

// A path with no root, no "." or ".." part and no empty part: it names something inside the
// folder it is relative to.
bool is_plain_relative(const std::string& name);

// Removes each of `files` under `dir`: only plain relative paths, never through a symbolic link
// on the way (a link itself is removed, not its target), never a folder that is not empty.
// Folders left empty are removed too. Missing files are no error.
void remove_listed_files(const std::filesystem::path& dir, const std::vector<std::string>& files);

}  // namespace sambench
