// Shared launch helpers of the CUDA op files: the stream every launch goes to, and the grid
// size of grid-stride loops.
#pragma once

#include <cstdint>

#include "kernels/cuda/check.h"
#include "kernels/cuda/runtime.h"

namespace tca::cuda {

constexpr int kThreads = 256;

// The calling thread's current stream (kernels/cuda/runtime.h): every kernel is launched
// as kernel<<<grid, block, shared_bytes, stream()>>> and followed by TCA_CUDA_CHECK_LAUNCH().
inline cudaStream_t stream() { return current_stream(); }

// A grid-stride loop needs at most this many blocks.
inline int blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65535 ? (b > 0 ? b : 1) : 65535);  // grid-stride loops cover the rest
}

// for (i in [0, n)) over the whole grid.
#define TCA_GRID_STRIDE(i, n)                                                       \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n);        \
       i += int64_t(gridDim.x) * blockDim.x)

// The cuBLAS handle of the calling thread's current device, created on first use and bound to
// the current stream (cublasSetStream) whenever that changes.
cublasHandle_t blas_handle();

}  // namespace tca::cuda
