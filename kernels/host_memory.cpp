#include "kernels/host_memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

namespace tca {

namespace {

// The first number of a file ("max" and absent files: none).
bool read_number(const std::string& path, size_t& value) {
  std::ifstream in(path);
  unsigned long long v = 0;
  if (!(in >> v)) return false;
  value = static_cast<size_t>(v);
  return true;
}

// "Key: N kB" of a /proc file, in bytes.
bool read_kib_field(const std::string& path, const std::string& key, size_t& bytes) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    unsigned long long kib = 0;
    if (!(fields >> kib)) return false;
    bytes = static_cast<size_t>(kib) * 1024;
    return true;
  }
  return false;
}

// limit - usage of one control-group folder, or SIZE_MAX when it has no limit there.
size_t headroom(const std::string& folder, const char* limit_file, const char* usage_file) {
  size_t limit = 0, usage = 0;
  if (!read_number(folder + "/" + limit_file, limit) || !read_number(folder + "/" + usage_file, usage))
    return SIZE_MAX;
  return usage >= limit ? 0 : limit - usage;
}

// The folders of a control group and its ancestors under `mount`, the group's own first. Inside a
// container the mount is often the container's group itself, where the path from
// /proc/self/cgroup does not exist: then the mount's root is the group.
std::vector<std::string> group_and_ancestors(const std::string& mount, std::string path) {
  std::vector<std::string> folders;
  while (!path.empty() && path != "/") {
    folders.push_back(mount + path);
    path = path.substr(0, path.find_last_of('/'));
  }
  folders.push_back(mount);
  return folders;
}

size_t cgroup_headroom(const std::string& root) {
  size_t tightest = SIZE_MAX;
  for (const ControlGroupFolder& group : control_group_folders(root, "memory"))
    tightest = std::min(tightest, group.v2 ? headroom(group.folder, "memory.max", "memory.current")
                                           : headroom(group.folder, "memory.limit_in_bytes", "memory.usage_in_bytes"));
  return tightest;
}

}  // namespace

std::vector<ControlGroupFolder> control_group_folders(const std::string& root, const std::string& v1_controller) {
  std::vector<ControlGroupFolder> folders;
  std::ifstream in(root + "/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {  // "hierarchy-id:controllers:path"
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    const bool v2 = line.compare(0, first, "0") == 0 && controllers.empty();
    bool v1_match = false;
    std::istringstream list(controllers);
    for (std::string controller; std::getline(list, controller, ',');) v1_match |= controller == v1_controller;
    if (!v2 && !v1_match) continue;
    const std::string mount = root + (v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + v1_controller);
    for (const std::string& folder : group_and_ancestors(mount, path)) folders.push_back({folder, v2});
  }
  return folders;
}

size_t HostMemory::available() const { return std::min({mem_available, cgroup, address_space}); }

std::string HostMemory::limited_by() const {
  const size_t a = available();
  if (a == SIZE_MAX) return "no limit";
  if (a == cgroup) return "the memory control group's limit";
  if (a == address_space) return "RLIMIT_AS (ulimit -v)";
  return "MemAvailable";
}

HostMemory host_memory(const std::string& root, size_t address_space_limit) {
  HostMemory m;
  size_t bytes = 0;
  if (read_kib_field(root + "/proc/meminfo", "MemAvailable", bytes)) m.mem_available = bytes;
  m.cgroup = cgroup_headroom(root);
  if (address_space_limit == SIZE_MAX) {
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      address_space_limit = static_cast<size_t>(limit.rlim_cur);
  }
  if (address_space_limit != SIZE_MAX) {
    size_t in_use = 0;
    read_kib_field(root + "/proc/self/status", "VmSize", in_use);
    m.address_space = in_use >= address_space_limit ? 0 : address_space_limit - in_use;
  }
  return m;
}

}  // namespace tca
