#include "run/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "sambench/base/error.h"

namespace sambench {

namespace fs = std::filesystem;

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

// What the holder wrote into the lock file: "pid 123 on host node7 since 2026-01-01T10:00:00Z".
std::string holder_of(int fd) {
  char text[512] = {};
  ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder = n > 0 ? std::string(text, static_cast<size_t>(n)) : std::string();
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\r')) holder.pop_back();
  return holder.empty() ? "a process that has not yet said who it is" : holder;
}

// True if `fd` is still the file at `path`: a holder that finished may have removed the file
// between our open and our flock, and a lock on a removed file protects nothing.
bool still_at(int fd, const fs::path& path) {
  struct stat open_file {}, named {};
  if (::fstat(fd, &open_file) != 0 || ::lstat(path.c_str(), &named) != 0) return false;
  return open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

void write_holder(int fd) {
  char when[32] = {};
  std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const std::string text = "pid " + std::to_string(::getpid()) + " on host " + host_name() + " since " + when + "\n";
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The lock holds without the text; only the second process's message is poorer.
  }
}

}  // namespace

RunLock::RunLock(const fs::path& dir) : file_(dir / kLockFile) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(file_, std::string("cannot create the run's lock: ") + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = holder_of(fd_);
      ::close(fd_);
      fd_ = -1;
      if (err == EWOULDBLOCK) {
        throw Error(dir, "is in use by another sambench run (" + holder +
                             "): wait for it to end, or give another output folder");
      }
      throw Error(file_, std::string("cannot lock: ") + std::strerror(err));
    }
    if (still_at(fd_, file_)) {
      write_holder(fd_);
      return;
    }
    ::close(fd_);  // the previous holder removed it meanwhile: lock the new file
    fd_ = -1;
  }
  throw Error(file_, "cannot lock: the lock file keeps being replaced");
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  ::unlink(file_.c_str());  // while still holding it, so that no one locks the removed file
  ::close(fd_);
}

}  // namespace sambench
