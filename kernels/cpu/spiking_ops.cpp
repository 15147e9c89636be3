// CPU implementations of the spiking-network ops (kernels/ops.h, "spiking network"): plain
// loops, one pass over each operand. The launchers in kernels/ops.cpp check shapes first.
// GPU twin: kernels/cuda/spiking_ops.cu.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

template <typename T>
void concat_columns(int64_t B, int64_t n, int64_t m, const T* left, const T* right, T* out) {
  for (int64_t b = 0; b < B; ++b) {
    std::copy(left + b * n, left + (b + 1) * n, out + b * (n + m));
    std::copy(right + b * m, right + (b + 1) * m, out + b * (n + m) + n);
  }
}

template <typename T>
void fill_diagonal(int64_t rows, int64_t cols, T value, T* A) {
  for (int64_t i = 0; i < std::min(rows, cols); ++i) A[i * cols + i] = value;
}

template <typename T>
void lif_step(int64_t B, int64_t n, T alpha, T rho, T v_th, T gamma, int64_t refractory, const T* beta,
              const T* I, T* v, T* a, T* z, T* psi, T* refractory_left) {
  for (int64_t idx = 0; idx < B * n; ++idx) {
    const int64_t j = idx % n;
    const T z_prev = z[idx];
    v[idx] = alpha * v[idx] + I[idx] - v_th * z_prev;  // the reset enters one step after the spike
    a[idx] = rho * a[idx] + z_prev;
    if (refractory_left[idx] > T(0)) {  // silent, and no gradient through the spike function
      z[idx] = T(0);
      psi[idx] = T(0);
      refractory_left[idx] -= T(1);
    } else {
      const T x = (v[idx] - v_th - beta[j] * a[idx]) / v_th;
      z[idx] = x > T(0) ? T(1) : T(0);
      psi[idx] = gamma / v_th * std::max(T(0), T(1) - std::abs(x));
      refractory_left[idx] = z[idx] * static_cast<T>(refractory - 1);
    }
  }
}

template <typename T>
void lif_backward_step(int64_t B, int64_t n, T alpha, T rho, T reset, const T* beta, const T* psi, const T* gzf,
                       const T* gz_rec, const T* reg, T* gv, T* ga) {
  for (int64_t idx = 0; idx < B * n; ++idx) {
    const int64_t j = idx % n;
    T g = gzf[idx] - reset * gv[idx] + ga[idx];  // dL/dz_t
    if (gz_rec) g += gz_rec[idx];
    if (reg) g += reg[j];
    const T pg = psi[idx] * g;
    gv[idx] = pg + alpha * gv[idx];
    ga[idx] = -beta[j] * pg + rho * ga[idx];
  }
}

template <typename T>
void lif_jacobian(int64_t B, int64_t n, int64_t k, T alpha, T rho, T v_th, const T* W, const T* beta,
                  const T* psi, T* J) {
  const int64_t s = 2 * n;
  for (int64_t b = 0; b < B; ++b) {
    const T* p = psi + b * n;
    T* Jb = J + b * s * s;
    std::fill(Jb, Jb + s * s, T(0));
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t l = 0; l < n; ++l) {
        const T w = W[j * k + l] - (j == l ? v_th : T(0));  // recurrent input and reset
        Jb[j * s + l] = w * p[l];
        Jb[j * s + n + l] = -w * beta[l] * p[l];
      }
      Jb[j * s + j] += alpha;
      Jb[(n + j) * s + j] = p[j];
      Jb[(n + j) * s + n + j] = rho - beta[j] * p[j];
    }
  }
}

template <typename T>
void spike_influence_step(int64_t B, int64_t n, int64_t cols, T kappa, const T* beta, const T* psi, const T* M,
                          T* Mz, T* Zsum) {
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t j = 0; j < n; ++j) {
      const T p = psi[b * n + j], pb = p * beta[j];
      const T* Mv = M + (b * 2 * n + j) * cols;
      const T* Ma = M + (b * 2 * n + n + j) * cols;
      T* row = Mz + (b * n + j) * cols;
      T* sum = Zsum ? Zsum + j * cols : nullptr;
      for (int64_t c = 0; c < cols; ++c) {
        const T dz = p * Mv[c] - pb * Ma[c];
        row[c] = kappa * row[c] + dz;
        if (sum) sum[c] += dz;
      }
    }
  }
}

template <typename T>
void eprop_trace_step(int64_t B, int64_t n, int64_t k, T rho, T kappa, const T* beta, const T* psi_prev,
                      const T* psi, const T* zbar_prev, const T* zbar, T* eps_a, T* ebar, T* esum) {
  for (int64_t b = 0; b < B; ++b) {
    const T* zp = zbar_prev + b * k;
    const T* zc = zbar + b * k;
    for (int64_t j = 0; j < n; ++j) {
      const T pp = psi_prev[b * n + j], p = psi[b * n + j], bj = beta[j];
      const T decay = rho - pp * bj;
      T* ea = eps_a + (b * n + j) * k;
      T* eb = ebar + (b * n + j) * k;
      T* sum = esum ? esum + j * k : nullptr;
      for (int64_t i = 0; i < k; ++i) {
        ea[i] = pp * zp[i] + decay * ea[i];
        const T e = p * (zc[i] - bj * ea[i]);
        eb[i] = kappa * eb[i] + e;
        if (sum) sum[i] += e;
      }
    }
  }
}

TCA_INSTANTIATE_SPIKING_OPS(float)
TCA_INSTANTIATE_SPIKING_OPS(double)

}  // namespace tca::cpu
