// The CPUs this process may use, as the operating system will enforce it: the smallest of
//   - the CPUs of its affinity mask (taskset, Slurm's --cpus-per-task, docker --cpuset-cpus);
//   - for each CPU control group the process is in, and each of its ancestors, the quota over the
//     period, rounded up: cgroup v2 cpu.max "quota period", cgroup v1 cpu.cfs_quota_us over
//     cpu.cfs_period_us (docker --cpus, systemd's CPUQuota).
// At least 1.
#pragma once

#include <string>

namespace tca {

// root prefixes /proc and /sys (tests point it at a folder of fake files; "" is the real system).
// affinity_cpus: the CPUs of the affinity mask, or 0 for the process's own.
int usable_cpus(const std::string& root = "", int affinity_cpus = 0);

}  // namespace tca
