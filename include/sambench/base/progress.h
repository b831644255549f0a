#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace sambench {

// Progress on stderr: a redrawn bar with rate and ETA on a terminal, occasional plain lines
// otherwise (logs of batch jobs stay readable).
class Progress {
 public:
  Progress(long long total, std::string unit);
  void advance(long long n = 1);
  void finish();

 private:
  void draw(bool final);

  long long total_, done_ = 0, drawn_ = -1;
  std::string unit_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1:02:03" or "2:03".
std::string format_duration(double seconds);

}  // namespace sambench
