// CPU implementations of the backend ops on raw pointers (T = float or double), on CBLAS
// and plain loops. The launchers in kernels/ops.cpp check shapes before calling these.
// Each op is defined in the kernels/cpu/*.cpp file named like the kernels/cuda/*.cu file that
// implements it on the GPU (elementwise, blas, rnn_ops, trace_ops, row_ops, optimizer,
// spiking_ops, rnn_forward_sequence).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/loss_kind.h"

// The streaming loops of the cheap rules (elementwise updates, traces, row updates, the
// reductions, the leaky tanh) are built twice, for AVX2 and for baseline x86-64, and the CPU's
// clone is chosen when the program loads (GCC's target_clones, resolved by glibc's ifunc). AVX2
// without FMA: no multiply-add is fused, and the loops' results do not depend on the vector
// width (sum_of_products keeps eight fixed partial sums), so both clones compute the same
// numbers. Elsewhere the attribute is empty.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define TCA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TCA_VECTOR_CLONES
#endif

namespace tca::cpu {
#include "kernels/op_signatures.inc"
}  // namespace tca::cpu
