// CPU implementations of the recurrent-network ops: presynaptic vector, leaky tanh, Jacobian,
// immediate influence and the output error, as plain loops. GPU twin: kernels/cuda/rnn_ops.cu.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/cpu/tanh_float.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

template <typename T>
void build_presynaptic(int64_t B, int64_t n, int64_t m, const T* a_prev, const T* x, T* ahat) {
  const int64_t k = n + m + 1;
  for (int64_t b = 0; b < B; ++b) {
    T* row = ahat + b * k;
    std::copy(a_prev + b * n, a_prev + (b + 1) * n, row);
    std::copy(x + b * m, x + (b + 1) * m, row + n);
    row[n + m] = T(1);
  }
}

template <typename T>
TCA_VECTOR_CLONES void leaky_tanh(int64_t count, T alpha, const T* h, T* a, T* dphi) {
  for (int64_t i = 0; i < count; ++i) {
    // Floats through the vectorisable tanh_float (kernels/cpu/tanh_float.h), doubles through
    // std::tanh.
    T phi;
    if constexpr (std::is_same_v<T, float>) phi = tanh_float(h[i]);
    else phi = std::tanh(h[i]);
    a[i] = (T(1) - alpha) * a[i] + alpha * phi;
    dphi[i] = T(1) - phi * phi;
  }
}

template <typename T>
TCA_VECTOR_CLONES void recurrent_jacobian(int64_t B, int64_t n, int64_t k, int64_t rows, T alpha, const T* W, const T* dphi,
                        T* J) {
  for (int64_t b = 0; b < B; ++b) {
    T* Jb = J + b * rows * n;
    for (int64_t i = 0; i < n; ++i) {
      const T row_scale = alpha * dphi[b * n + i];
      for (int64_t j = 0; j < n; ++j) Jb[i * n + j] = row_scale * W[i * k + j];
      Jb[i * n + i] += T(1) - alpha;
    }
  }
}

template <typename T>
TCA_VECTOR_CLONES void add_immediate_influence(int64_t B, int64_t n, int64_t k, int64_t rows, T scale, const T* dphi,
                             const T* ahat, T* M) {
  const int64_t nk = n * k;
  for (int64_t b = 0; b < B; ++b) {
    const T* ah = ahat + b * k;
    for (int64_t i = 0; i < n; ++i) {
      const T d = scale * dphi[b * n + i];
      T* block = M + (b * rows + i) * nk + i * k;  // row i, columns (i, 0..k-1)
      for (int64_t j = 0; j < k; ++j) block[j] += d * ah[j];
    }
  }
}

template <typename T>
void output_error(int64_t B, int64_t o, LossKind loss, T scale, const T* y, const T* target,
                  const T* mask, T* e, double* loss_sum) {
  for (int64_t b = 0; b < B; ++b) {
    const T w = scale * mask[b];
    const T* yb = y + b * o;
    const T* tb = target + b * o;
    T* eb = e + b * o;
    double l = 0.0;
    if (loss == LossKind::mse) {
      for (int64_t j = 0; j < o; ++j) {
        const T d = yb[j] - tb[j];
        l += 0.5 * static_cast<double>(d) * static_cast<double>(d);
        eb[j] = w * d;
      }
    } else {
      // Softmax with the max subtracted; log p = y - max - log sum exp.
      const T top = *std::max_element(yb, yb + o);
      double sum = 0.0;
      for (int64_t j = 0; j < o; ++j) sum += std::exp(static_cast<double>(yb[j] - top));
      const double log_sum = std::log(sum);
      for (int64_t j = 0; j < o; ++j) {
        const double log_p = static_cast<double>(yb[j] - top) - log_sum;
        if (tb[j] != T(0)) l -= static_cast<double>(tb[j]) * log_p;
        eb[j] = w * (static_cast<T>(std::exp(log_p)) - tb[j]);
      }
    }
    loss_sum[b] += static_cast<double>(w) * l;
  }
}

TCA_INSTANTIATE_RNN_OPS(float)
TCA_INSTANTIATE_RNN_OPS(double)

}  // namespace tca::cpu
