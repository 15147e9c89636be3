// CUDA implementations of the backend ops on device pointers (T = float or double), with the
// very signatures of kernels/cpu/ops_cpu.h so kernels/ops.cpp can pick either. They live in
// libtca_cuda.so, and kernels/ops.cpp reaches them through its table (kernels/cuda_backend.h).
// The launchers there check shapes before calling these. Every CUDA and cuBLAS call and every launch is
// checked (kernels/cuda/check.h); all work goes to the calling thread's current stream
// (kernels/cuda/runtime.h), and only the reductions returning a double (dot, nrm2) wait for it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/loss_kind.h"

namespace tca::cuda {
#include "kernels/op_signatures.inc"
}  // namespace tca::cuda
