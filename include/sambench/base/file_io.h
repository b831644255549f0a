#pragma once

// Whole files in and out: a read that fails loudly, and a write that never leaves half a file.

#include <cstddef>
#include <filesystem>
#include <string>

namespace sambench {

// The bytes of `file`. Throws Error naming the file when it cannot be opened (missing,
// unreadable).
std::string read_file(const std::filesystem::path& file);

// The bytes of `file`, a file that others may have planted (a cache entry, a shared run folder):
// a FIFO, a device or a file over `max_bytes` is refused before anything is read, and so is a
// symlink unless `symlinks` is kFollow (for a path the user named, whose links are theirs).
// Throws Error naming the file and the reason.
enum class Symlinks { kRefuse, kFollow };
std::string read_regular_file(const std::filesystem::path& file, size_t max_bytes,
                              Symlinks symlinks = Symlinks::kRefuse);

// Writes to a new temporary file beside `path` ("<name>.tmp.<pid>.<random>", created with
// O_EXCL | O_NOFOLLOW, so a planted file or symlink is never written through), then renames it,
// so that a reader never sees half a file. Throws Error naming the file on failure (including a
// full disk).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// The pid in the name of write_file_atomic's temporary ("<name>.tmp.<pid>.<random>", or the
// "<name>.tmp.<pid>" of earlier versions), or -1 when `name` is not one.
long temporary_writer_pid(const std::string& name);

// Removes, anywhere under `dir`, the temporary files of writes that a kill interrupted
// (write_file_atomic's "<name>.tmp.<pid>.<random>", and the "<name>.tmp.<pid>" of earlier
// versions); a resumed run starts from a clean folder.
void remove_interrupted_writes(const std::filesystem::path& dir);

}  // namespace sambench
