// CPU implementation of the rate RNN's forward recurrence over a whole window
// (rnn_forward_sequence, one GEMM per step through the ops of blas.cpp and rnn_ops.cpp) and its
// size limit (none on the CPU). GPU twin: kernels/cuda/rnn_forward_sequence.cu.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

template <typename T>
void rnn_forward_sequence(int64_t steps, int64_t E, int64_t B, int64_t n, int64_t m, T alpha, const T* W,
                          const T* x, const T* a0, T* a, T* dphi) {
  // The steps of RateRnn::step (build [a_{t-1}; x_t; 1], h = ahat W^T, the leaky tanh) for
  // the E B sequences at once, each step's state written straight into a[t]; network e's
  // sequences are rows e B .. e B + B - 1 and its product is matrix e of one strided batch.
  const int64_t k = n + m + 1, rows = E * B, size = rows * n;
  std::vector<T> ahat(static_cast<size_t>(rows * k)), h(static_cast<size_t>(size));
  for (int64_t t = 0; t < steps; ++t) {
    const T* prev = t == 0 ? a0 : a + (t - 1) * size;
    T* at = a + t * size;
    build_presynaptic(rows, n, m, prev, x + t * rows * m, ahat.data());
    if (E == 1)
      gemm(false, true, B, n, k, T(1), ahat.data(), k, W, k, T(0), h.data(), n);
    else
      gemm_strided_batched(false, true, B, n, k, T(1), ahat.data(), k, B * k, W, k, n * k, T(0), h.data(), n, B * n, E);
    std::copy(prev, prev + size, at);
    leaky_tanh(size, alpha, h.data(), at, dphi + t * size);
  }
}

int64_t rnn_forward_sequence_max_hidden(int64_t, size_t) { return INT64_MAX; }

TCA_INSTANTIATE_RNN_FORWARD_SEQUENCE_OPS(float)
TCA_INSTANTIATE_RNN_FORWARD_SEQUENCE_OPS(double)

}  // namespace tca::cpu
