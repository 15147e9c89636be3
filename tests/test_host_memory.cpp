// The host memory this process may allocate (kernels/host_memory.h), on fake /proc and /sys
// trees in a temporary folder: MemAvailable, cgroup v1 and v2 limits minus usage (the group's own
// folder, an ancestor's, and the mount's root inside a container), RLIMIT_AS minus VmSize; the
// smallest wins and is named. The real RLIMIT_AS path is tested end to end in test_hardening.cpp.
// And the CPUs it may use (kernels/host_cpus.h): the affinity mask against cgroup v1 and v2 CPU
// quotas.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "kernels/host_cpus.h"
#include "kernels/host_memory.h"

namespace tca {
namespace {

namespace fs = std::filesystem;

class FakeSystem {
 public:
  // The process id in the name: ctest runs each test in a process of its own, side by side.
  FakeSystem()
      : root_(testing::TempDir() + "tca_fake_system_" + std::to_string(getpid()) + "_" + std::to_string(counter_++)) {
    fs::remove_all(root_);
    write("proc/meminfo", "MemTotal:       16000000 kB\nMemFree:         100 kB\nMemAvailable:    8000000 kB\n");
    write("proc/self/status", "Name:\ttcabench\nVmSize:\t  200000 kB\nVmRSS:\t 1000 kB\n");
  }
  ~FakeSystem() { fs::remove_all(root_); }
  void write(const std::string& path, const std::string& text) {
    fs::create_directories((fs::path(root_) / path).parent_path());
    std::ofstream(fs::path(root_) / path) << text;
  }
  const std::string& root() const { return root_; }

 private:
  static inline int counter_ = 0;
  std::string root_;
};

constexpr size_t kGiB = size_t(1) << 30;

TEST(HostMemory, MemAvailableAloneWithoutLimits) {
  FakeSystem sys;
  sys.write("proc/self/cgroup", "4:memory:/job\n0::/job\n");  // groups without limit files
  const HostMemory m = host_memory(sys.root());
  EXPECT_EQ(m.mem_available, size_t(8000000) * 1024);
  EXPECT_EQ(m.cgroup, SIZE_MAX);
  EXPECT_EQ(m.address_space, SIZE_MAX);
  EXPECT_EQ(m.available(), m.mem_available);
  EXPECT_EQ(m.limited_by(), "MemAvailable");
}

TEST(HostMemory, CgroupV2LimitMinusUsage) {
  FakeSystem sys;
  sys.write("proc/self/cgroup", "0::/slurm/job_7/step_0\n");
  sys.write("sys/fs/cgroup/slurm/job_7/step_0/memory.max", "max\n");  // unlimited here
  sys.write("sys/fs/cgroup/slurm/job_7/step_0/memory.current", "1\n");
  sys.write("sys/fs/cgroup/slurm/job_7/memory.max", std::to_string(768 << 20) + "\n");  // the job's --mem
  sys.write("sys/fs/cgroup/slurm/job_7/memory.current", std::to_string(100 << 20) + "\n");
  const HostMemory m = host_memory(sys.root());
  EXPECT_EQ(m.cgroup, size_t(668) << 20);
  EXPECT_EQ(m.available(), size_t(668) << 20);
  EXPECT_EQ(m.limited_by(), "the memory control group's limit");
}

TEST(HostMemory, CgroupV1LimitAndTheContainersOwnRoot) {
  FakeSystem sys;
  // Inside a container the group's path from /proc/self/cgroup does not exist under the mount:
  // the mount's root is the group.
  sys.write("proc/self/cgroup", "4:cpu,memory:/docker/abc\n1:cpu:/\n");
  sys.write("sys/fs/cgroup/memory/memory.limit_in_bytes", std::to_string(2 * kGiB) + "\n");
  sys.write("sys/fs/cgroup/memory/memory.usage_in_bytes", std::to_string(kGiB / 2) + "\n");
  EXPECT_EQ(host_memory(sys.root()).cgroup, kGiB + kGiB / 2);
  // Usage above the limit leaves nothing.
  sys.write("sys/fs/cgroup/memory/memory.usage_in_bytes", std::to_string(3 * kGiB) + "\n");
  EXPECT_EQ(host_memory(sys.root()).available(), 0u);
  // v1's "no limit" is a huge number: it never wins.
  sys.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(host_memory(sys.root()).available(), size_t(8000000) * 1024);
}

TEST(HostMemory, AddressSpaceLimitMinusWhatIsMapped) {
  FakeSystem sys;
  const HostMemory m = host_memory(sys.root(), size_t(700000) * 1024);
  EXPECT_EQ(m.address_space, size_t(500000) * 1024);  // 700000 kB - VmSize 200000 kB
  EXPECT_EQ(m.available(), m.address_space);
  EXPECT_EQ(m.limited_by(), "RLIMIT_AS (ulimit -v)");
  EXPECT_EQ(host_memory(sys.root(), size_t(100000) * 1024).available(), 0u);
}

TEST(HostMemory, NothingReadableMeansNoLimit) {
  const HostMemory m = host_memory(testing::TempDir() + "tca_no_such_root");
  EXPECT_EQ(m.available(), SIZE_MAX);
  EXPECT_EQ(m.limited_by(), "no limit");
}

TEST(HostCpus, AffinityAloneWithoutQuota) {
  FakeSystem sys;
  sys.write("proc/self/cgroup", "0::/job\n");
  sys.write("sys/fs/cgroup/job/cpu.max", "max 100000\n");
  EXPECT_EQ(usable_cpus(sys.root(), 6), 6);
  EXPECT_GE(usable_cpus(), 1);  // the real system
}

TEST(HostCpus, CgroupV2QuotaRoundedUp) {
  FakeSystem sys;
  sys.write("proc/self/cgroup", "0::/docker/abc\n");
  sys.write("sys/fs/cgroup/docker/abc/cpu.max", "150000 100000\n");  // docker --cpus 1.5
  EXPECT_EQ(usable_cpus(sys.root(), 8), 2);
  sys.write("sys/fs/cgroup/docker/cpu.max", "100000 100000\n");  // an ancestor's is tighter
  EXPECT_EQ(usable_cpus(sys.root(), 8), 1);
  EXPECT_EQ(usable_cpus(sys.root(), 1), 1);
}

TEST(HostCpus, CgroupV1QuotaAndUnlimited) {
  FakeSystem sys;
  sys.write("proc/self/cgroup", "5:cpu,cpuacct:/job\n4:memory:/job\n");
  sys.write("sys/fs/cgroup/cpu/job/cpu.cfs_quota_us", "300000\n");
  sys.write("sys/fs/cgroup/cpu/job/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(usable_cpus(sys.root(), 16), 3);
  sys.write("sys/fs/cgroup/cpu/job/cpu.cfs_quota_us", "-1\n");  // unlimited
  EXPECT_EQ(usable_cpus(sys.root(), 16), 16);
  sys.write("sys/fs/cgroup/cpu/job/cpu.cfs_quota_us", "garbage\n");
  EXPECT_EQ(usable_cpus(sys.root(), 16), 16);
}

}  // namespace
}  // namespace tca
