// CPU implementations of the per-sequence (per-row) ops: row norms and dots, the scaled row,
// outer-product and diagonal updates, the weighted row sum, and the stochastic rules' factors
// (formulas in kernels/rule_factors.h, shared with the GPU). GPU twin: kernels/cuda/row_ops.cu.
#include <cstdint>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/rule_factors.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

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
TCA_VECTOR_CLONES void scale_add_rows(int64_t rows, int64_t cols, const double* sy, const double* sx, const T* X, T* Y) {
  for (int64_t r = 0; r < rows; ++r) {
    const T a = static_cast<T>(sy[r]), b = static_cast<T>(sx[r]);
    const T* x = X + r * cols;
    T* y = Y + r * cols;
    for (int64_t c = 0; c < cols; ++c) y[c] = a * y[c] + b * x[c];
  }
}

template <typename T>
TCA_VECTOR_CLONES void scale_add_outer_rows(int64_t B, int64_t M, int64_t N, const double* sa, const double* sxy, const T* x,
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
TCA_VECTOR_CLONES void scale_add_diagonal_rows(int64_t B, int64_t n, const double* sa, const double* sd, const T* d, T* A) {
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

TCA_INSTANTIATE_ROW_OPS(float)
TCA_INSTANTIATE_ROW_OPS(double)

}  // namespace tca::cpu
