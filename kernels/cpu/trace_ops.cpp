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
  // arithmetic, and the order of the sum over b of every element of G, are those of the two ops.
  // E, ahat and G do not overlap: the launcher (kernels/ops.cpp) refuses views of one storage.
  //
  // Four sequences at a time: G's element stays in a register while their four contributions
  // are added in order, instead of a load and a store per sequence.
  constexpr int64_t kSequences = 4;
  const int64_t blocked = B - B % kSequences;
  for (int64_t i = 0; i < n; ++i) {
    T* g = G + i * k;
    for (int64_t b = 0; b < blocked; b += kSequences) {
      const int64_t r = b * n + i;  // sequence b's row i; b + 1's is n rows further
      const T d0 = decay[r], d1 = decay[r + n], d2 = decay[r + 2 * n], d3 = decay[r + 3 * n];
      const T s0 = scale * dphi[r], s1 = scale * dphi[r + n], s2 = scale * dphi[r + 2 * n],
              s3 = scale * dphi[r + 3 * n];
      const T l0 = L[r], l1 = L[r + n], l2 = L[r + 2 * n], l3 = L[r + 3 * n];
      const T* a0 = ahat + b * k;
      const T* a1 = a0 + k;
      const T* a2 = a1 + k;
      const T* a3 = a2 + k;
      T* e0 = E + r * k;
      T* e1 = e0 + n * k;
      T* e2 = e1 + n * k;
      T* e3 = e2 + n * k;
#pragma GCC ivdep
      for (int64_t j = 0; j < k; ++j) {
        const T v0 = d0 * e0[j] + s0 * a0[j], v1 = d1 * e1[j] + s1 * a1[j];
        const T v2 = d2 * e2[j] + s2 * a2[j], v3 = d3 * e3[j] + s3 * a3[j];
        e0[j] = v0;
        e1[j] = v1;
        e2[j] = v2;
        e3[j] = v3;
        g[j] = (((g[j] + l0 * v0) + l1 * v1) + l2 * v2) + l3 * v3;
      }
    }
  }
  // The last B % 4 sequences (all of them at batch 1), each after the blocks, so every element of
  // G still sums over b in increasing order. Two rows at a time: they share ahat's row, and the
  // loop's fixed cost is paid once for both (at n = 32, k = 35 it was most of the time).
  for (int64_t b = blocked; b < B; ++b) {
    const T* ah = ahat + b * k;
    int64_t i = 0;
    for (; i + 2 <= n; i += 2) {
      const int64_t r = b * n + i;
      const T d0 = decay[r], s0 = scale * dphi[r], l0 = L[r];
      const T d1 = decay[r + 1], s1 = scale * dphi[r + 1], l1 = L[r + 1];
      T* e0 = E + r * k;
      T* e1 = e0 + k;
      T* g0 = G + i * k;
      T* g1 = g0 + k;
#pragma GCC ivdep
      for (int64_t j = 0; j < k; ++j) {
        const T a = ah[j];
        const T v0 = d0 * e0[j] + s0 * a, v1 = d1 * e1[j] + s1 * a;
        e0[j] = v0;
        e1[j] = v1;
        g0[j] += l0 * v0;
        g1[j] += l1 * v1;
      }
    }
    for (; i < n; ++i) {
      const int64_t r = b * n + i;
      const T d = decay[r], s = scale * dphi[r], l = L[r];
      T* e = E + r * k;
      T* g = G + i * k;
#pragma GCC ivdep
      for (int64_t j = 0; j < k; ++j) {
        const T v = d * e[j] + s * ah[j];
        e[j] = v;
        g[j] += l * v;
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
