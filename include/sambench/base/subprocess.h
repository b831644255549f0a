#pragma once

// A helper program run to its end, or stopped: sambench draws its charts with a Python script,
// and a script that never returns must not hold up a run.

#include <string>
#include <vector>

namespace sambench {

struct SubprocessResult {
  bool started = false;    // false: fork or exec failed (e.g. the program is missing)
  bool timed_out = false;  // killed (with its children) after the timeout
  int exit_code = -1;      // when it exited by itself; -1 when a signal ended it
  bool ok() const { return started && !timed_out && exit_code == 0; }
  std::string describe() const;  // "exit code 1", "no answer within 60 s", ...
};

// Runs argv[0] (looked up on PATH) with argv, without a shell, stdin from /dev/null, stdout and
// stderr inherited; waits at most timeout_seconds, then kills its whole process group.
SubprocessResult run_subprocess(const std::vector<std::string>& argv, double timeout_seconds);

}  // namespace sambench
