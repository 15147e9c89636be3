// One error-check macro for every CUDA runtime and cuBLAS call, and one for kernel launches.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace tca::cuda {

[[noreturn]] inline void fail(const std::string& what, const char* file, int line) {
  throw std::runtime_error("CUDA error: " + what + " at " + file + ":" + std::to_string(line));
}

}  // namespace tca::cuda

#define TCA_CUDA_CHECK(call)                                                          \
  do {                                                                                \
    const cudaError_t tca_err_ = (call);                                              \
    if (tca_err_ != cudaSuccess)                                                      \
      ::tca::cuda::fail(std::string(#call) + ": " + cudaGetErrorString(tca_err_),    \
                        __FILE__, __LINE__);                                          \
  } while (0)

#define TCA_CUBLAS_CHECK(call)                                                        \
  do {                                                                                \
    const cublasStatus_t tca_st_ = (call);                                            \
    if (tca_st_ != CUBLAS_STATUS_SUCCESS)                                             \
      ::tca::cuda::fail(std::string(#call) + ": " + cublasGetStatusString(tca_st_),  \
                        __FILE__, __LINE__);                                          \
  } while (0)

// After every kernel launch: launch-configuration errors show up here. A fault while the
// kernel runs is asynchronous and surfaces at the next synchronising call (a copy to the
// host, a reduction); run with CUDA_LAUNCH_BLOCKING=1 to have it reported at its launch.
#define TCA_CUDA_CHECK_LAUNCH() TCA_CUDA_CHECK(cudaGetLastError())
