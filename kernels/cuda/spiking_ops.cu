// Spiking-network ops on the GPU (kernels/ops.h, "spiking network"), the same arithmetic as
// kernels/cpu/spiking_ops.cpp in the same order per element, so both backends agree to
// rounding. Ops that sum over the batch give each thread one output element and loop over
// the sequences in order (no atomics: reproducible).
#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

template <typename T>
__global__ void concat_columns_kernel(int64_t B, int64_t n, int64_t m, const T* left, const T* right, T* out) {
  const int64_t width = n + m;
  TCA_GRID_STRIDE(idx, B * width) {
    const int64_t b = idx / width, c = idx % width;
    out[idx] = c < n ? left[b * n + c] : right[b * m + c - n];
  }
}

template <typename T>
__global__ void fill_diagonal_kernel(int64_t count, int64_t cols, T value, T* A) {
  TCA_GRID_STRIDE(i, count) A[i * cols + i] = value;
}

template <typename T>
__global__ void lif_step_kernel(int64_t B, int64_t n, T alpha, T rho, T v_th, T gamma, int64_t refractory,
                                const T* beta, const T* I, T* v, T* a, T* z, T* psi, T* refractory_left) {
  TCA_GRID_STRIDE(idx, B * n) {
    const int64_t j = idx % n;
    const T z_prev = z[idx];
    const T vn = alpha * v[idx] + I[idx] - v_th * z_prev;
    const T an = rho * a[idx] + z_prev;
    v[idx] = vn;
    a[idx] = an;
    if (refractory_left[idx] > T(0)) {
      z[idx] = T(0);
      psi[idx] = T(0);
      refractory_left[idx] -= T(1);
    } else {
      const T x = (vn - v_th - beta[j] * an) / v_th;
      const T zn = x > T(0) ? T(1) : T(0);
      z[idx] = zn;
      psi[idx] = gamma / v_th * max(T(0), T(1) - fabs(x));
      refractory_left[idx] = zn * static_cast<T>(refractory - 1);
    }
  }
}

template <typename T>
__global__ void lif_backward_step_kernel(int64_t B, int64_t n, T alpha, T rho, T reset, const T* beta,
                                         const T* psi, const T* gzf, const T* gz_rec, const T* reg, T* gv, T* ga) {
  TCA_GRID_STRIDE(idx, B * n) {
    const int64_t j = idx % n;
    T g = gzf[idx] - reset * gv[idx] + ga[idx];
    if (gz_rec) g += gz_rec[idx];
    if (reg) g += reg[j];
    const T pg = psi[idx] * g;
    gv[idx] = pg + alpha * gv[idx];
    ga[idx] = -beta[j] * pg + rho * ga[idx];
  }
}

// One thread per entry of J [B, 2n, 2n].
template <typename T>
__global__ void lif_jacobian_kernel(int64_t B, int64_t n, int64_t k, T alpha, T rho, T v_th, const T* W,
                                    const T* beta, const T* psi, T* J) {
  const int64_t s = 2 * n;
  TCA_GRID_STRIDE(idx, B * s * s) {
    const int64_t b = idx / (s * s), r = (idx / s) % s, c = idx % s;
    const int64_t j = r % n, l = c % n;
    const T p = psi[b * n + l];
    T value;
    if (r < n) {
      const T w = W[j * k + l] - (j == l ? v_th : T(0));
      value = c < n ? w * p : -w * beta[l] * p;
      if (c == r) value += alpha;
    } else if (j != l) {
      value = T(0);
    } else {
      value = c < n ? p : rho - beta[l] * p;
    }
    J[idx] = value;
  }
}

// One thread per (j, c), looping over the sequences so Zsum needs no atomics.
template <typename T>
__global__ void spike_influence_step_kernel(int64_t B, int64_t n, int64_t cols, T kappa, const T* beta,
                                            const T* psi, const T* M, T* Mz, T* Zsum) {
  TCA_GRID_STRIDE(idx, n * cols) {
    const int64_t j = idx / cols, c = idx % cols;
    T sum = T(0);
    for (int64_t b = 0; b < B; ++b) {
      const T p = psi[b * n + j], pb = p * beta[j];
      const T dz = p * M[(b * 2 * n + j) * cols + c] - pb * M[(b * 2 * n + n + j) * cols + c];
      T& mz = Mz[(b * n + j) * cols + c];
      mz = kappa * mz + dz;
      sum += dz;
    }
    if (Zsum) Zsum[idx] += sum;
  }
}

// One thread per synapse (j, i), looping over the sequences.
template <typename T>
__global__ void eprop_trace_step_kernel(int64_t B, int64_t n, int64_t k, T rho, T kappa, const T* beta,
                                        const T* psi_prev, const T* psi, const T* zbar_prev, const T* zbar, T* eps_a,
                                        T* ebar, T* esum) {
  TCA_GRID_STRIDE(idx, n * k) {
    const int64_t j = idx / k, i = idx % k;
    const T bj = beta[j];
    T sum = T(0);
    for (int64_t b = 0; b < B; ++b) {
      const T pp = psi_prev[b * n + j], p = psi[b * n + j];
      const int64_t at = (b * n + j) * k + i;
      const T ea = pp * zbar_prev[b * k + i] + (rho - pp * bj) * eps_a[at];
      eps_a[at] = ea;
      const T e = p * (zbar[b * k + i] - bj * ea);
      ebar[at] = kappa * ebar[at] + e;
      sum += e;
    }
    if (esum) esum[idx] += sum;
  }
}

}  // namespace

template <typename T>
void concat_columns(int64_t B, int64_t n, int64_t m, const T* left, const T* right, T* out) {
  if (B * (n + m) == 0) return;
  concat_columns_kernel<<<blocks_for(B * (n + m)), kThreads, 0, stream()>>>(B, n, m, left, right, out);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void fill_diagonal(int64_t rows, int64_t cols, T value, T* A) {
  const int64_t count = rows < cols ? rows : cols;
  if (count == 0) return;
  fill_diagonal_kernel<<<blocks_for(count), kThreads, 0, stream()>>>(count, cols, value, A);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void lif_step(int64_t B, int64_t n, T alpha, T rho, T v_th, T gamma, int64_t refractory, const T* beta,
              const T* I, T* v, T* a, T* z, T* psi, T* refractory_left) {
  if (B * n == 0) return;
  lif_step_kernel<<<blocks_for(B * n), kThreads, 0, stream()>>>(B, n, alpha, rho, v_th, gamma, refractory, beta, I, v, a, z, psi,
                                                   refractory_left);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void lif_backward_step(int64_t B, int64_t n, T alpha, T rho, T reset, const T* beta, const T* psi, const T* gzf,
                       const T* gz_rec, const T* reg, T* gv, T* ga) {
  if (B * n == 0) return;
  lif_backward_step_kernel<<<blocks_for(B * n), kThreads, 0, stream()>>>(B, n, alpha, rho, reset, beta, psi, gzf, gz_rec, reg,
                                                            gv, ga);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void lif_jacobian(int64_t B, int64_t n, int64_t k, T alpha, T rho, T v_th, const T* W, const T* beta,
                  const T* psi, T* J) {
  const int64_t count = B * 4 * n * n;
  if (count == 0) return;
  lif_jacobian_kernel<<<blocks_for(count), kThreads, 0, stream()>>>(B, n, k, alpha, rho, v_th, W, beta, psi, J);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void spike_influence_step(int64_t B, int64_t n, int64_t cols, T kappa, const T* beta, const T* psi, const T* M,
                          T* Mz, T* Zsum) {
  if (n * cols == 0) return;
  spike_influence_step_kernel<<<blocks_for(n * cols), kThreads, 0, stream()>>>(B, n, cols, kappa, beta, psi, M, Mz, Zsum);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void eprop_trace_step(int64_t B, int64_t n, int64_t k, T rho, T kappa, const T* beta, const T* psi_prev,
                      const T* psi, const T* zbar_prev, const T* zbar, T* eps_a, T* ebar, T* esum) {
  if (n * k == 0) return;
  eprop_trace_step_kernel<<<blocks_for(n * k), kThreads, 0, stream()>>>(B, n, k, rho, kappa, beta, psi_prev, psi, zbar_prev,
                                                           zbar, eps_a, ebar, esum);
  TCA_CUDA_CHECK_LAUNCH();
}

TCA_INSTANTIATE_SPIKING_OPS(float)
TCA_INSTANTIATE_SPIKING_OPS(double)

}  // namespace tca::cuda
