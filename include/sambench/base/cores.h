#pragma once

namespace sambench {

// The cores this process may run on: its CPU affinity mask, which is what a Slurm job's cpuset,
// a container's cpuset or `taskset` grants. std::thread::hardware_concurrency counts every core
// of the machine instead, so "one thread per core" on 4 cores of a 64-core node would start 64.
int usable_cores();

}  // namespace sambench
