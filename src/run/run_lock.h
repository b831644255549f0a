#pragma once

// An exclusive lock on a run folder for a run's lifetime: two processes writing one folder
// would interleave their files and lose the first run's results. The lock is flock(2) on
// RUN/run.lock, which also names the holder (pid and host) for the second process's message.
// The kernel drops the lock when its holder dies, even by SIGKILL, so a stale lock file never
// blocks a resume.

#include <filesystem>

namespace sambench {

inline constexpr const char* kLockFile = "run.lock";

class RunLock {
 public:
  // Takes the lock on `dir` (which must exist). Throws Error naming the folder and the holder
  // when another process has it.
  explicit RunLock(const std::filesystem::path& dir);
  ~RunLock();  // removes the lock file, then releases the lock
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::filesystem::path file_;
  int fd_ = -1;
};

}  // namespace sambench
