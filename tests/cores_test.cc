#include "sambench/base/cores.h"

#include <sched.h>

#include <thread>

#include <gtest/gtest.h>

namespace sambench {
namespace {

TEST(UsableCores, FollowsTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(usable_cores(), CPU_COUNT(&saved));
  EXPECT_LE(usable_cores(), static_cast<int>(std::thread::hardware_concurrency()));

  // As under `taskset -c N` or a one-core Slurm allocation.
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  EXPECT_EQ(usable_cores(), 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
}

}  // namespace
}  // namespace sambench
