#include "sambench/base/progress.h"

#include <unistd.h>

#include <cmath>

namespace sambench {

namespace {

// Plain-log mode prints at most this often, plus at every tenth of the work.
constexpr double kLogIntervalSeconds = 30.0;

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long long s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(long long total, std::string unit)
    : total_(total),
      unit_(std::move(unit)),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void Progress::advance(long long n) {
  long long before = done_;
  done_ += n;
  auto now = std::chrono::steady_clock::now();
  double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  bool crossed_tenth = total_ > 0 && (before * 10 / total_) != (done_ * 10 / total_);
  if (tty_ ? since_draw > 0.1 : (crossed_tenth || since_draw > kLogIntervalSeconds)) {
    draw(false);
  }
}

void Progress::finish() {
  // A plain log already has the last line when the final step crossed a tenth.
  if (tty_ || drawn_ != done_) draw(true);
}

void Progress::draw(bool final) {
  last_draw_ = std::chrono::steady_clock::now();
  drawn_ = done_;
  double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : NAN;
  char stats[160];
  std::snprintf(stats, sizeof stats, "%lld/%lld %s  %.2f %s/s  elapsed %s  ETA %s", done_, total_,
                unit_.c_str(), rate, unit_.c_str(), format_duration(elapsed).c_str(),
                final ? "0:00" : format_duration(eta).c_str());
  if (tty_) {
    constexpr int kWidth = 30;
    int filled = total_ > 0 ? static_cast<int>(kWidth * done_ / total_) : kWidth;
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r[%s] %s\033[K%s", bar.c_str(), stats, final ? "\n" : "");
  } else {
    std::fprintf(stderr, "progress: %s\n", stats);
  }
  std::fflush(stderr);
}

}  // namespace sambench
