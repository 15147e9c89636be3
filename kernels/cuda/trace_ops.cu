// Eligibility-trace ops (rflo, eprop, snap1) and the diagonal add (uoro, kf_rtrl, rkf_rtrl)
// on the GPU. Each trace update is one pass over the traces.
#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

template <typename T>
__global__ void jacobian_diagonal_kernel(int64_t B, int64_t n, int64_t k, T alpha, const T* W, const T* dphi,
                                         T* jdiag) {
  TCA_GRID_STRIDE(idx, B * n) {
    const int64_t i = idx % n;
    jdiag[idx] = (T(1) - alpha) + alpha * dphi[idx] * W[i * k + i];
  }
}

// E[b, i, j] = decay[b, i] E[b, i, j] + scale dphi[b, i] ahat[b, j].
template <typename T>
__global__ void eligibility_trace_step_kernel(int64_t B, int64_t n, int64_t k, T scale, const T* decay,
                                              const T* dphi, const T* ahat, T* E) {
  TCA_GRID_STRIDE(idx, B * n * k) {
    const int64_t j = idx % k, bi = idx / k, b = bi / n;
    E[idx] = decay[bi] * E[idx] + scale * dphi[bi] * ahat[b * k + j];
  }
}

// G[i, j] += sum_b L[b, i] E[b, i, j]: one thread per (i, j), summing over the batch in order.
template <typename T>
__global__ void add_signal_times_trace_kernel(int64_t B, int64_t n, int64_t k, const T* L, const T* E, T* G) {
  TCA_GRID_STRIDE(idx, n * k) {
    const int64_t i = idx / k;
    T sum = G[idx];
    for (int64_t b = 0; b < B; ++b) sum += L[b * n + i] * E[b * n * k + idx];
    G[idx] = sum;
  }
}

template <typename T>
__global__ void add_diagonal_kernel(int64_t n, T scale, const T* d, T* A) {
  TCA_GRID_STRIDE(i, n) A[i * n + i] += scale * d[i];
}

}  // namespace

template <typename T>
void jacobian_diagonal(int64_t B, int64_t n, int64_t k, T alpha, const T* W, const T* dphi, T* jdiag) {
  if (B * n == 0) return;
  jacobian_diagonal_kernel<<<blocks_for(B * n), kThreads, 0, stream()>>>(B, n, k, alpha, W, dphi, jdiag);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void eligibility_trace_step(int64_t B, int64_t n, int64_t k, T scale, const T* decay, const T* dphi,
                            const T* ahat, T* E) {
  if (B * n * k == 0) return;
  eligibility_trace_step_kernel<<<blocks_for(B * n * k), kThreads, 0, stream()>>>(B, n, k, scale, decay, dphi, ahat, E);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void add_signal_times_trace(int64_t B, int64_t n, int64_t k, const T* L, const T* E, T* G) {
  if (n * k == 0) return;
  add_signal_times_trace_kernel<<<blocks_for(n * k), kThreads, 0, stream()>>>(B, n, k, L, E, G);
  TCA_CUDA_CHECK_LAUNCH();
}

// The two kernels above in sequence: each is one pass, and the second needs the whole of the
// first's result (its sum over b).
template <typename T>
void trace_step_and_gradient(int64_t B, int64_t n, int64_t k, T scale, const T* decay, const T* dphi, const T* ahat,
                             const T* L, T* E, T* G) {
  eligibility_trace_step(B, n, k, scale, decay, dphi, ahat, E);
  add_signal_times_trace(B, n, k, L, E, G);
}

template <typename T>
void add_diagonal(int64_t n, T scale, const T* d, T* A) {
  if (n == 0) return;
  add_diagonal_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, scale, d, A);
  TCA_CUDA_CHECK_LAUNCH();
}

TCA_INSTANTIATE_TRACE_OPS(float)
TCA_INSTANTIATE_TRACE_OPS(double)

}  // namespace tca::cuda
