// CUDA implementations of the backend ops on device pointers (T = float or double), with the
// very signatures of kernels/cpu/ops_cpu.h so kernels/ops.cpp can pick either. The launchers
// there check shapes before calling these. Every CUDA and cuBLAS call is checked; kernels
// run on the default stream, and reductions returning a double synchronise.
#pragma once

#include <cstdint>

#include "kernels/loss_kind.h"

namespace tca::cuda {
#include "kernels/op_signatures.inc"
}  // namespace tca::cuda
