#include "sambench/base/progress.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(FormatDuration, MinutesAndHours) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(62.4), "1:02");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(NAN), "?");
}

TEST(Progress, PlainLinesWhenNotATerminal) {
  ::testing::internal::CaptureStderr();
  Progress progress(10, "images");
  for (int i = 0; i < 10; ++i) progress.advance();
  progress.finish();
  std::string out = ::testing::internal::GetCapturedStderr();
  // One line per tenth crossed, the last not repeated by finish(), never a carriage return.
  EXPECT_NE(out.find("progress: 10/10 images"), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 10);
}

}  // namespace
}  // namespace sambench
