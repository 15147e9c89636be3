// CPU implementations of the eligibility-trace ops (rflo, eprop, snap1) and the diagonal add
// (uoro, kf_rtrl, rkf_rtrl), as plain loops. GPU twin: kernels/cuda/trace_ops.cu.
#include <cstdint>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

// ---- local eligibility traces (rflo, eprop, snap1) -------------------------------------------
template <typename T>
void jacobian_diagonal(int64_t B, int64_t n, int64_t k, T alpha, const T* W, const T* dphi,
                       T* jdiag) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < n; ++i)
      jdiag[b * n + i] = (T(1) - alpha) + alpha * dphi[b * n + i] * W[i * k + i];
}

template <typename T>
TCA_VECTOR_CLONES void eligibility_trace_step(int64_t B, int64_t n, int64_t k, T scale, const T* decay,
                            const T* dphi, const T* ahat, T* E) {
  for (int64_t b = 0; b < B; ++b) {
    const T* ah = ahat + b * k;
    for (int64_t i = 0; i < n; ++i) {
      const T d = decay[b * n + i];
      const T s = scale * dphi[b * n + i];
      T* row = E + (b * n + i) * k;
      for (int64_t j = 0; j < k; ++j) row[j] = d * row[j] + s * ah[j];
    }
  }
}

template <typename T>
TCA_VECTOR_CLONES void add_signal_times_trace(int64_t B, int64_t n, int64_t k, const T* L, const T* E, T* G) {
  // Row i of G stays in cache while the B sequences' rows i of E stream past; every element
  // still sums over b in increasing order.
  for (int64_t i = 0; i < n; ++i) {
    T* g = G + i * k;
    for (int64_t b = 0; b < B; ++b) {
      const T l = L[b * n + i];
      const T* row = E + (b * n + i) * k;
      for (int64_t j = 0; j < k; ++j) g[j] += l * row[j];
    }
  }
}
template <typename T>
TCA_VECTOR_CLONES void trace_step_and_gradient(int64_t B, int64_t n, int64_t k, T scale, const T* decay,
                                               const T* dphi, const T* ahat, const T* L, T* E, T* G) {
  // Each row of E is updated and at once added into its row of G: one pass over E. The
  // arithmetic and the order of the sum over b are those of the two ops.
  for (int64_t i = 0; i < n; ++i) {
    T* g = G + i * k;
    for (int64_t b = 0; b < B; ++b) {
      const T d = decay[b * n + i], s = scale * dphi[b * n + i], l = L[b * n + i];
      const T* ah = ahat + b * k;
      T* row = E + (b * n + i) * k;
      for (int64_t j = 0; j < k; ++j) {
        row[j] = d * row[j] + s * ah[j];
        g[j] += l * row[j];
      }
    }
  }
}
// ---- diagonal add (uoro, kf_rtrl, rkf_rtrl) ------------------------------------------------------
template <typename T>
void add_diagonal(int64_t n, T scale, const T* d, T* A) {
  for (int64_t i = 0; i < n; ++i) A[i * n + i] += scale * d[i];
}

TCA_INSTANTIATE_TRACE_OPS(float)
TCA_INSTANTIATE_TRACE_OPS(double)

}  // namespace tca::cpu
