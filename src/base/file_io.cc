#include "sambench/base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "sambench/base/error.h"

namespace sambench {

namespace fs = std::filesystem;

namespace {

std::string random_hex(int digits) {
  static const char kHex[] = "0123456789abcdef";
  std::random_device device;  // getrandom(): other users cannot predict the name
  std::string out;
  for (int i = 0; i < digits; ++i) out += kHex[device() % 16];
  return out;
}

// Creates a temporary file beside `path` that nobody else made. O_EXCL refuses a name that is
// taken, a planted symlink included (O_NOFOLLOW says so twice), and the random part means a
// stranger cannot plant the next names in advance.
int create_temporary(const fs::path& path, fs::path& tmp) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    tmp = path;
    tmp += ".tmp." + std::to_string(::getpid()) + "." + random_hex(12);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) throw Error(path, std::string("cannot write: ") + std::strerror(errno));
  }
  throw Error(path, "cannot write: every temporary name tried was taken (someone plants files in this folder)");
}

bool is_digits(const std::string& s, size_t from, size_t to) {
  return to > from && s.find_first_not_of("0123456789", from) >= to;
}

bool is_hex(const std::string& s, size_t from) {
  return from < s.size() && s.find_first_not_of("0123456789abcdef", from) == std::string::npos;
}

}  // namespace

long temporary_writer_pid(const std::string& name) {
  // A pid has at most 7 digits (pid_max is at most 2^22); more is not a name sambench made.
  auto pid_of = [&](size_t from, size_t to) { return to - from <= 7 ? std::stol(name.substr(from, to - from)) : -1L; };
  const size_t at = name.rfind(".tmp.");
  if (at != std::string::npos && is_digits(name, at + 5, name.size())) return pid_of(at + 5, name.size());
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || !is_hex(name, dot + 1)) return -1;
  const size_t tmp = name.rfind(".tmp.", dot - 1);
  return tmp != std::string::npos && is_digits(name, tmp + 5, dot) ? pid_of(tmp + 5, dot) : -1;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file, "cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_regular_file(const fs::path& file, size_t max_bytes, Symlinks symlinks) {
  // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer forever.
  const int nofollow = symlinks == Symlinks::kRefuse ? O_NOFOLLOW : 0;
  int fd = ::open(file.c_str(), O_RDONLY | nofollow | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(file, err == ELOOP ? std::string("is a symlink; refusing to follow it")
                                   : std::string("cannot read: ") + std::strerror(err));
  }
  struct stat st {};
  std::string reason;
  if (::fstat(fd, &st) != 0) reason = std::string("cannot read: ") + std::strerror(errno);
  else if (!S_ISREG(st.st_mode)) reason = "is not a regular file (a FIFO, device or folder); refusing to read it";
  else if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    reason = "is " + std::to_string(st.st_size) + " bytes, over the limit of " + std::to_string(max_bytes);
  }
  std::string bytes;
  if (reason.empty()) {
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size() && reason.empty()) {
      ssize_t n = ::read(fd, &bytes[done], bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) reason = std::string("cannot read: ") + std::strerror(errno);
      else if (n == 0) bytes.resize(done);  // shrank while reading; the caller's checks see it
      else done += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  if (!reason.empty()) throw Error(file, reason);
  return bytes;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  fs::path tmp;
  int fd = create_temporary(path, tmp);
  const char* data = content.data();
  size_t left = content.size();
  int err = 0;
  while (left > 0 && !err) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    else data += n, left -= static_cast<size_t>(n);
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  // rename replaces a symlink at `path` itself; it never writes through it.
  if (!err && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    throw Error(path, std::string("cannot write: ") + std::strerror(err));
  }
}

void remove_interrupted_writes(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> leftovers;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (temporary_writer_pid(it->path().filename().string()) >= 0) leftovers.push_back(it->path());
  }
  for (const auto& file : leftovers) fs::remove(file, ec);
}

}  // namespace sambench
