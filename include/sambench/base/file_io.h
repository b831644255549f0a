#pragma once

// Whole files in and out: a read that fails loudly, and a write that never leaves half a file.

#include <filesystem>
#include <string>

namespace sambench {

// The bytes of `file`. Throws Error naming the file when it cannot be opened (missing,
// unreadable).
std::string read_file(const std::filesystem::path& file);

// Writes to a temporary file beside `path`, then renames it, so that a reader never sees half a
// file. Throws Error naming the file on failure (including a full disk).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Removes, anywhere under `dir`, the temporary files of writes that a kill interrupted
// (write_file_atomic's "<name>.tmp.<pid>"); a resumed run starts from a clean folder.
void remove_interrupted_writes(const std::filesystem::path& dir);

}  // namespace sambench
