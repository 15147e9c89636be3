// The host memory this process may still allocate, as the operating system will enforce it: the
// smallest of
//   - MemAvailable of /proc/meminfo (the machine's free and reclaimable memory);
//   - for each memory control group the process is in, and each of its ancestors, the limit
//     minus the usage: cgroup v2 memory.max - memory.current, cgroup v1 memory.limit_in_bytes -
//     memory.usage_in_bytes (Slurm's --mem, docker --memory, systemd's MemoryMax);
//   - RLIMIT_AS (ulimit -v) minus the address space in use (VmSize of /proc/self/status).
// A source that is absent or unlimited does not count; with none, SIZE_MAX (do not refuse).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tca {

struct HostMemory {
  size_t mem_available = SIZE_MAX;  // MemAvailable
  size_t cgroup = SIZE_MAX;         // the tightest control-group limit minus usage
  size_t address_space = SIZE_MAX;  // RLIMIT_AS minus VmSize
  size_t available() const;         // the smallest of the three
  std::string limited_by() const;   // which source sets available(): "MemAvailable", "cgroup", "RLIMIT_AS"
};

// root prefixes /proc and /sys (tests point it at a folder of fake files; "" is the real
// system). address_space_limit: the soft RLIMIT_AS, or SIZE_MAX for the process's own.
HostMemory host_memory(const std::string& root = "", size_t address_space_limit = SIZE_MAX);

// The folders of the control groups this process is in, each group's own first, then its
// ancestors: for cgroup v2 (v2 = true) under root/sys/fs/cgroup, for cgroup v1 those of the
// hierarchy of v1_controller ("memory", "cpu") under root/sys/fs/cgroup/<v1_controller>.
struct ControlGroupFolder {
  std::string folder;
  bool v2 = true;
};
std::vector<ControlGroupFolder> control_group_folders(const std::string& root, const std::string& v1_controller);

}  // namespace tca
