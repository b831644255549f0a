#pragma once

// Names that a file others may have written (a shard's journal, a run's summary or CSV) gives for
// files of its run folder, checked to stay inside that folder before anything reads or writes them.

#include <filesystem>
#include <string>

namespace sambench {

// Why `name` cannot be a relative path inside a folder, judged by its text alone ("is empty",
// "leaves its folder through '..'", ...); empty when it can. Sample ids, which become folder
// names under predictions/, are checked with it too.
std::string relative_name_problem(const std::string& name);

// `dir / name` when `name` is a relative path that stays inside `dir`: not empty, not absolute,
// no "." or ".." part, no NUL, and no symlink at any part that exists (the folders on the way and
// the file itself). Otherwise throws Error naming `source` (the file the name came from), the
// name and the reason.
std::filesystem::path path_inside(const std::filesystem::path& dir, const std::string& name,
                                  const std::filesystem::path& source);

}  // namespace sambench
