#pragma once

#include <string>

namespace sambench {

// The cores this process may run on: its CPU affinity mask, which is what a Slurm job's cpuset,
// a container's cpuset or `taskset` grants. std::thread::hardware_concurrency counts every core
// of the machine instead, so "one thread per core" on 4 cores of a 64-core node would start 64.
int usable_cores();

// The machine's load average over 1, 5 and 15 minutes ("0.39 1.54 2.42", from /proc/loadavg;
// empty where there is none): printed beside every timing, since other processes slow them.
std::string load_average();

}  // namespace sambench
