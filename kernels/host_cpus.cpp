#include "kernels/host_cpus.h"

#include <sched.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <string>
#include <thread>

#include "kernels/host_memory.h"

namespace tca {

namespace {

// quota / period rounded up, or INT_MAX when either is absent or the quota is unlimited ("max"
// in v2, -1 in v1).
int quota_cpus(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return INT_MAX;
  return static_cast<int>(std::min<long long>(INT_MAX, (quota + period - 1) / period));
}

int group_cpus(const ControlGroupFolder& group) {
  long long quota = -1, period = -1;
  if (group.v2) {
    std::ifstream in(group.folder + "/cpu.max");  // "max 100000" or "150000 100000"
    std::string first;
    if (!(in >> first >> period) || first == "max") return INT_MAX;
    try {
      quota = std::stoll(first);
    } catch (const std::exception&) {
      return INT_MAX;
    }
  } else {
    std::ifstream q(group.folder + "/cpu.cfs_quota_us"), p(group.folder + "/cpu.cfs_period_us");
    if (!(q >> quota) || !(p >> period)) return INT_MAX;
  }
  return quota_cpus(quota, period);
}

int affinity_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

int usable_cpus(const std::string& root, int affinity_cpus) {
  int cpus = affinity_cpus > 0 ? affinity_cpus : affinity_count();
  for (const ControlGroupFolder& group : control_group_folders(root, "cpu")) cpus = std::min(cpus, group_cpus(group));
  return std::max(1, cpus);
}

}  // namespace tca
