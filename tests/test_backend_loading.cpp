// The CUDA backend is loaded only when used (kernels/cuda_backend.h): in a CUDA-enabled build,
// a tcabench run on the CPU must not load the CUDA runtime or cuBLAS, which cost ~200 MB
// resident. The runs are traced with LD_DEBUG=libs, the dynamic linker's report of every
// library it looks up. A CPU-only build has nothing to load, and skips.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "kernels/cuda_backend.h"
#include "test_util.h"

namespace {

using tca::test::CommandResult;
using tca::test::run_tcabench;

#ifndef TCA_HAVE_CUDA
#define TCA_SKIP_WITHOUT_CUDA_BUILD() GTEST_SKIP() << "built without the CUDA backend: there is nothing to load"
#else
#define TCA_SKIP_WITHOUT_CUDA_BUILD() (void)0
#endif

// Runs tcabench under LD_DEBUG=libs; the trace comes with the output (stderr).
CommandResult run_traced(const std::string& args) { return run_tcabench(args, "LD_DEBUG=libs "); }

bool mentions(const std::string& text, const char* word) { return text.find(word) != std::string::npos; }

// The run succeeded, was traced, and loaded none of the CUDA libraries.
void expect_no_cuda_loaded(const std::string& args) {
  const CommandResult r = run_traced(args);
  ASSERT_EQ(r.status, 0) << args << "\n" << r.output.substr(0, 4000);
  ASSERT_TRUE(mentions(r.output, "libstdc++")) << "no LD_DEBUG trace for " << args;  // the trace works
  for (const char* library : {"libtca_cuda", "libcudart", "libcublas"})
    EXPECT_FALSE(mentions(r.output, library)) << args << " loaded " << library;
}

std::string probe_args(const std::string& device) {
  return "probe --task dnms-v0 --algo rtrl --hidden 8 --batch 2 --quiet --device " + device + " --out " +
         testing::TempDir() + "tcabench_backend_loading_" + device + ".json";
}

TEST(BackendLoading, TheBackendLiesBesideTcabench) {
  TCA_SKIP_WITHOUT_CUDA_BUILD();
  const std::string binary = TCABENCH_BINARY;
  const std::string library = binary.substr(0, binary.rfind('/') + 1) + tca::cuda_backend::kLibraryName;
  EXPECT_EQ(access(library.c_str(), R_OK), 0) << library << " is missing: --device cuda could not load it";
}

TEST(BackendLoading, ListingTasksLoadsNoCuda) {
  TCA_SKIP_WITHOUT_CUDA_BUILD();
  expect_no_cuda_loaded("tasks");
}

TEST(BackendLoading, ProbeOnTheCpuLoadsNoCuda) {
  TCA_SKIP_WITHOUT_CUDA_BUILD();
  expect_no_cuda_loaded(probe_args("cpu"));
}

TEST(BackendLoading, AutoDeviceWithoutAGpuLoadsNoCuda) {
  TCA_SKIP_WITHOUT_CUDA_BUILD();
  if (tca::cuda_backend::gpu_may_be_present()) GTEST_SKIP() << "a GPU may be present: --device auto loads the backend";
  expect_no_cuda_loaded(probe_args("auto"));
}

// In this process too: asking whether CUDA is available maps nothing on a machine without a GPU.
TEST(BackendLoading, CudaAvailableLoadsNothingWithoutAGpu) {
  TCA_SKIP_WITHOUT_CUDA_BUILD();
  if (tca::cuda_backend::gpu_may_be_present()) GTEST_SKIP() << "a GPU may be present: cuda_available() loads the backend";
  EXPECT_FALSE(tca::cuda_available());
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    for (const char* library : {"libtca_cuda", "libcudart", "libcublas"})
      EXPECT_FALSE(mentions(line, library)) << line;
}

}  // namespace
