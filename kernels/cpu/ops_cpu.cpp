#include "kernels/cpu/ops_cpu.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/philox.h"
#include "kernels/rule_factors.h"

namespace tca::cpu {

namespace {

// CBLAS by precision.
inline void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
                      const float* A, int lda, const float* B, int ldb, float beta, float* C,
                      int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
inline void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, double alpha,
                      const double* A, int lda, const double* B, int ldb, double beta, double* C,
                      int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
inline void blas_gemv(CBLAS_TRANSPOSE t, int M, int N, float alpha, const float* A, int lda,
                      const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, t, M, N, alpha, A, lda, x, 1, beta, y, 1);
}
inline void blas_gemv(CBLAS_TRANSPOSE t, int M, int N, double alpha, const double* A, int lda,
                      const double* x, double beta, double* y) {
  cblas_dgemv(CblasRowMajor, t, M, N, alpha, A, lda, x, 1, beta, y, 1);
}
inline void blas_ger(int M, int N, float alpha, const float* x, const float* y, float* A, int lda) {
  cblas_sger(CblasRowMajor, M, N, alpha, x, 1, y, 1, A, lda);
}
inline void blas_ger(int M, int N, double alpha, const double* x, const double* y, double* A,
                     int lda) {
  cblas_dger(CblasRowMajor, M, N, alpha, x, 1, y, 1, A, lda);
}
inline CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

}  // namespace

template <typename T>
void fill(T* x, int64_t n, T value) {
  std::fill(x, x + n, value);
}

template <typename T>
void axpy(int64_t n, T alpha, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

template <typename T>
void scale(int64_t n, T alpha, T* x) {
  for (int64_t i = 0; i < n; ++i) x[i] *= alpha;
}

template <typename T>
void mul(int64_t n, T alpha, const T* x, const T* y, T* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = alpha * x[i] * y[i];
}

template <typename T>
void random_signs(T* x, int64_t n, uint64_t seed, uint64_t step) {
  Philox rng(seed, RandomStream::algorithm, step);
  for (int64_t i = 0; i < n; ++i) x[i] = (rng.next_u32() & 1u) ? T(1) : T(-1);
}

// Reductions accumulate in double whatever T is, so float results do not depend on order.
template <typename T>
double dot(int64_t n, const T* x, const T* y) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(y[i]);
  return s;
}

template <typename T>
double nrm2(int64_t n, const T* x) {
  // One pass summing squares in double: exact enough, and it cannot overflow or underflow for
  // float inputs. Only for doubles beyond ~1e154 or below ~1e-145 (the sum is then inf or
  // tiny), or an all-zero x, does a second, scaled pass run. NaN propagates through the sum.
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  if (std::isfinite(s) && s > 1e-290) return std::sqrt(s);
  if (std::isnan(s)) return s;
  double largest = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::abs(static_cast<double>(x[i]));
    if (std::isnan(v)) return v;
    largest = std::max(largest, v);
  }
  if (largest == 0.0 || !std::isfinite(largest)) return largest;
  double scaled = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]) / largest;  // not * (1 / largest): that overflows for denormals
    scaled += v * v;
  }
  return largest * std::sqrt(scaled);
}

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  blas_gemm(trans(trans_a), trans(trans_b), static_cast<int>(M), static_cast<int>(N),
            static_cast<int>(K), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta,
            C, static_cast<int>(ldc));
}

template <typename T>
void gemm_strided_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                          int64_t lda, int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T beta, T* C,
                          int64_t ldc, int64_t stride_c, int64_t batch) {
  for (int64_t i = 0; i < batch; ++i)
    gemm(trans_a, trans_b, M, N, K, alpha, A + i * stride_a, lda, B + i * stride_b, ldb, beta, C + i * stride_c, ldc);
}

template <typename T>
void gemv(bool trans_a, int64_t M, int64_t N, T alpha, const T* A, int64_t lda, const T* x,
          T beta, T* y) {
  blas_gemv(trans(trans_a), static_cast<int>(M), static_cast<int>(N), alpha, A,
            static_cast<int>(lda), x, beta, y);
}

template <typename T>
void ger(int64_t M, int64_t N, T alpha, const T* x, const T* y, T* A, int64_t lda) {
  blas_ger(static_cast<int>(M), static_cast<int>(N), alpha, x, y, A, static_cast<int>(lda));
}

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
void leaky_tanh(int64_t count, T alpha, const T* h, T* a, T* dphi) {
  for (int64_t i = 0; i < count; ++i) {
    const T phi = std::tanh(h[i]);
    a[i] = (T(1) - alpha) * a[i] + alpha * phi;
    dphi[i] = T(1) - phi * phi;
  }
}

template <typename T>
void recurrent_jacobian(int64_t B, int64_t n, int64_t k, int64_t rows, T alpha, const T* W, const T* dphi,
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
void add_immediate_influence(int64_t B, int64_t n, int64_t k, int64_t rows, T scale, const T* dphi,
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

// ---- local eligibility traces (rflo, eprop, snap1) -------------------------------------------
template <typename T>
void jacobian_diagonal(int64_t B, int64_t n, int64_t k, T alpha, const T* W, const T* dphi,
                       T* jdiag) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < n; ++i)
      jdiag[b * n + i] = (T(1) - alpha) + alpha * dphi[b * n + i] * W[i * k + i];
}

template <typename T>
void eligibility_trace_step(int64_t B, int64_t n, int64_t k, T scale, const T* decay,
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
void add_signal_times_trace(int64_t B, int64_t n, int64_t k, const T* L, const T* E, T* G) {
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < n; ++i) {
      const T l = L[b * n + i];
      const T* row = E + (b * n + i) * k;
      T* g = G + i * k;
      for (int64_t j = 0; j < k; ++j) g[j] += l * row[j];
    }
  }
}
// ---- diagonal add (uoro, kf_rtrl, rkf_rtrl) ------------------------------------------------------
template <typename T>
void add_diagonal(int64_t n, T scale, const T* d, T* A) {
  for (int64_t i = 0; i < n; ++i) A[i * n + i] += scale * d[i];
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

// ---- per-sequence ops ---------------------------------------------------------------------
template <typename T>
void row_norms(int64_t rows, int64_t cols, const T* X, double* out) {
  for (int64_t r = 0; r < rows; ++r) out[r] = nrm2(cols, X + r * cols);
}

template <typename T>
void row_dots(int64_t rows, int64_t cols, const T* X, const T* Y, double* out) {
  for (int64_t r = 0; r < rows; ++r) out[r] = dot(cols, X + r * cols, Y + r * cols);
}

template <typename T>
void scale_add_rows(int64_t rows, int64_t cols, const double* sy, const double* sx, const T* X, T* Y) {
  for (int64_t r = 0; r < rows; ++r) {
    const T a = static_cast<T>(sy[r]), b = static_cast<T>(sx[r]);
    const T* x = X + r * cols;
    T* y = Y + r * cols;
    for (int64_t c = 0; c < cols; ++c) y[c] = a * y[c] + b * x[c];
  }
}

template <typename T>
void scale_add_outer_rows(int64_t B, int64_t M, int64_t N, const double* sa, const double* sxy, const T* x,
                          const T* y, T* A) {
  for (int64_t b = 0; b < B; ++b) {
    const T a = static_cast<T>(sa[b]), s = static_cast<T>(sxy[b]);
    const T* yb = y + b * N;
    for (int64_t i = 0; i < M; ++i) {
      const T sx = s * x[b * M + i];
      T* row = A + (b * M + i) * N;
      for (int64_t j = 0; j < N; ++j) row[j] = a * row[j] + sx * yb[j];
    }
  }
}

template <typename T>
void scale_add_diagonal_rows(int64_t B, int64_t n, const double* sa, const double* sd, const T* d, T* A) {
  for (int64_t b = 0; b < B; ++b) {
    const T a = static_cast<T>(sa[b]), s = static_cast<T>(sd[b]);
    T* Ab = A + b * n * n;
    for (int64_t i = 0; i < n; ++i) {
      T* row = Ab + i * n;
      for (int64_t j = 0; j < n; ++j) row[j] *= a;
      row[i] += s * d[b * n + i];
    }
  }
}

template <typename T>
void add_weighted_rows(int64_t rows, int64_t cols, const double* w, const T* X, T* G) {
  // The weights rounded to T (in a buffer kept per thread: no allocation per step), then one
  // BLAS product G += X^T w (X is rows x cols).
  thread_local std::vector<T> weights;
  weights.assign(w, w + rows);
  gemv(true, rows, cols, T(1), X, cols, weights.data(), T(1), G);
}

// ---- the stochastic rules' factors (formulas in kernels/rule_factors.h) ---------------------
namespace {

// Calls f(norm, factor) for every sequence b, with that sequence's column of the [rows, B]
// tables gathered into and scattered from small arrays.
template <int kNorms, int kFactors, typename F>
void per_sequence(int64_t B, const double* norms, double* factors, F&& f) {
  for (int64_t b = 0; b < B; ++b) {
    double norm[kNorms], factor[kFactors];
    for (int r = 0; r < kNorms; ++r) norm[r] = norms[r * B + b];
    f(b, norm, factor);
    for (int r = 0; r < kFactors; ++r) factors[r * B + b] = factor[r];
  }
}

}  // namespace

void uoro_factors(int64_t B, double epsilon, const double* norms, double* factors) {
  per_sequence<uoro_norm_count, uoro_factor_count>(
      B, norms, factors, [&](int64_t, const double* norm, double* factor) { uoro_factors_of(norm, epsilon, factor); });
}

template <typename T>
void kf_rtrl_factors(int64_t B, double alpha, const double* norms, const T* signs, double* factors) {
  per_sequence<kf_norm_count, kf_factor_count>(B, norms, factors, [&](int64_t b, const double* norm, double* factor) {
    kf_rtrl_factors_of(norm, static_cast<double>(signs[2 * b]), static_cast<double>(signs[2 * b + 1]), alpha,
                       factor);
  });
}

void rkf_rtrl_factors(int64_t B, const double* norms, double* factors) {
  per_sequence<rkf_norm_count, rkf_factor_count>(
      B, norms, factors, [&](int64_t, const double* norm, double* factor) { rkf_rtrl_factors_of(norm, factor); });
}

#define TCA_INSTANTIATE_CPU_OPS(T)                                                             \
  template void fill<T>(T*, int64_t, T);                                                       \
  template void axpy<T>(int64_t, T, const T*, T*);                                             \
  template void scale<T>(int64_t, T, T*);                                                      \
  template void mul<T>(int64_t, T, const T*, const T*, T*);                                    \
  template void random_signs<T>(T*, int64_t, uint64_t, uint64_t);                             \
  template double dot<T>(int64_t, const T*, const T*);                                         \
  template double nrm2<T>(int64_t, const T*);                                                  \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, \
                        int64_t, T, T*, int64_t);                                              \
  template void gemv<T>(bool, int64_t, int64_t, T, const T*, int64_t, const T*, T, T*);        \
  template void ger<T>(int64_t, int64_t, T, const T*, const T*, T*, int64_t);                  \
  template void build_presynaptic<T>(int64_t, int64_t, int64_t, const T*, const T*, T*);       \
  template void leaky_tanh<T>(int64_t, T, const T*, T*, T*);                                   \
  template void recurrent_jacobian<T>(int64_t, int64_t, int64_t, int64_t, T, const T*, const T*, T*); \
  template void gemm_strided_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, \
                                        const T*, int64_t, int64_t, T, T*, int64_t, int64_t, int64_t);  \
  template void add_immediate_influence<T>(int64_t, int64_t, int64_t, int64_t, T, const T*, const T*, \
                                           T*);                                                \
  template void rnn_forward_sequence<T>(int64_t, int64_t, int64_t, int64_t, int64_t, T, const T*, const T*, \
                                        const T*, T*, T*);                                     \
  template void output_error<T>(int64_t, int64_t, LossKind, T, const T*, const T*, const T*, T*, \
                                double*);                                                         \
  /* local eligibility traces (rflo, eprop, snap1) */                                          \
  template void jacobian_diagonal<T>(int64_t, int64_t, int64_t, T, const T*, const T*, T*);    \
  template void eligibility_trace_step<T>(int64_t, int64_t, int64_t, T, const T*, const T*,    \
                                          const T*, T*);                                       \
  template void add_signal_times_trace<T>(int64_t, int64_t, int64_t, const T*, const T*, T*);

TCA_INSTANTIATE_CPU_OPS(float)
TCA_INSTANTIATE_CPU_OPS(double)

// Unbiased stochastic rules' ops.
template void add_diagonal<float>(int64_t, float, const float*, float*);
template void add_diagonal<double>(int64_t, double, const double*, double*);

#define TCA_INSTANTIATE_ROW_OPS(T)                                                              \
  template void row_norms<T>(int64_t, int64_t, const T*, double*);                              \
  template void row_dots<T>(int64_t, int64_t, const T*, const T*, double*);                     \
  template void scale_add_rows<T>(int64_t, int64_t, const double*, const double*, const T*, T*); \
  template void scale_add_outer_rows<T>(int64_t, int64_t, int64_t, const double*, const double*, const T*, \
                                        const T*, T*);                                          \
  template void scale_add_diagonal_rows<T>(int64_t, int64_t, const double*, const double*, const T*, T*); \
  template void add_weighted_rows<T>(int64_t, int64_t, const double*, const T*, T*);            \
  template void kf_rtrl_factors<T>(int64_t, double, const double*, const T*, double*);
TCA_INSTANTIATE_ROW_OPS(float)
TCA_INSTANTIATE_ROW_OPS(double)

// Optimizer (bench/train).
template <typename T>
void adam_update(int64_t n, T lr, T beta1, T beta2, T eps, T bias1, T bias2, T grad_scale, const T* grad, T* m,
                 T* v, T* param) {
  for (int64_t i = 0; i < n; ++i) {
    const T g = grad_scale * grad[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    param[i] -= lr * (m[i] / bias1) / (std::sqrt(v[i] / bias2) + eps);
  }
}
template void adam_update<float>(int64_t, float, float, float, float, float, float, float, const float*, float*,
                                 float*, float*);
template void adam_update<double>(int64_t, double, double, double, double, double, double, double, const double*,
                                  double*, double*, double*);

}  // namespace tca::cpu
