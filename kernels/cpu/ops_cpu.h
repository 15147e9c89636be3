// CPU implementations of the backend ops on raw pointers (T = float or double), on CBLAS
// and plain loops. The launchers in kernels/ops.cpp check shapes before calling these.
// Each op is defined in the kernels/cpu/*.cpp file named like the kernels/cuda/*.cu file that
// implements it on the GPU (elementwise, blas, rnn_ops, trace_ops, row_ops, optimizer,
// spiking_ops, rnn_forward_sequence).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/loss_kind.h"

namespace tca::cpu {
#include "kernels/op_signatures.inc"
}  // namespace tca::cpu
