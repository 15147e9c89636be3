// CPU implementations of the dense products (gemm, gemm_strided_batched, gemv, ger) on CBLAS,
// row-major. GPU twin: kernels/cuda/blas.cu. And the number of threads OpenBLAS uses per call.
#include <cblas.h>

#include <cstdint>
#include <vector>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/op_instantiations.h"
#include "kernels/tensor.h"
#include "kernels/tf32.h"

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
                      const float* x, int incx, float beta, float* y, int incy) {
  cblas_sgemv(CblasRowMajor, t, M, N, alpha, A, lda, x, incx, beta, y, incy);
}
inline void blas_gemv(CBLAS_TRANSPOSE t, int M, int N, double alpha, const double* A, int lda,
                      const double* x, int incx, double beta, double* y, int incy) {
  cblas_dgemv(CblasRowMajor, t, M, N, alpha, A, lda, x, incx, beta, y, incy);
}
inline void blas_ger(int M, int N, float alpha, const float* x, int incx, const float* y, int incy, float* A,
                     int lda) {
  cblas_sger(CblasRowMajor, M, N, alpha, x, incx, y, incy, A, lda);
}
inline void blas_ger(int M, int N, double alpha, const double* x, int incx, const double* y, int incy, double* A,
                     int lda) {
  cblas_dger(CblasRowMajor, M, N, alpha, x, incx, y, incy, A, lda);
}
inline CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

}  // namespace

// y = alpha op(A) x + beta y with strided x and y. With beta = 0, y is zeroed first, so that
// what it held before (NaN included) does not leak through 0 * y.
template <typename T>
void strided_gemv(bool trans_a, int64_t M, int64_t N, T alpha, const T* A, int64_t lda, const T* x, int64_t incx,
                  T beta, T* y, int64_t incy) {
  if (beta == T(0)) {
    const int64_t rows = trans_a ? N : M;
    for (int64_t i = 0; i < rows; ++i) y[i * incy] = T(0);
    beta = T(1);
  }
  blas_gemv(trans(trans_a), static_cast<int>(M), static_cast<int>(N), alpha, A, static_cast<int>(lda), x,
            static_cast<int>(incx), beta, y, static_cast<int>(incy));
}

// A product with one row or one column of C is a matrix-vector product, and one with an inner
// dimension of 1 added to C an outer product: OpenBLAS's GEMM would copy (pack) the operands
// first, which costs as much as the product itself at one sequence (B = 1: the forward pass
// h = ahat W^T reads W once either way).
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 1 && N > 1 && K > 0) {  // c^T = a^T op(B): op(B)^T a, a row of A (or a column of A^T)
    const int64_t inc_a = trans_a ? lda : 1;
    if (trans_b) strided_gemv(false, N, K, alpha, B, ldb, A, inc_a, beta, C, 1);  // B is N x K
    else strided_gemv(true, K, N, alpha, B, ldb, A, inc_a, beta, C, 1);           // B is K x N
    return;
  }
  if (N == 1 && M > 1 && K > 0) {  // c = op(A) b, b a column of op(B)
    const int64_t inc_b = trans_b ? 1 : ldb;
    if (trans_a) strided_gemv(true, K, M, alpha, A, lda, B, inc_b, beta, C, ldc);  // A is K x M
    else strided_gemv(false, M, K, alpha, A, lda, B, inc_b, beta, C, ldc);         // A is M x K
    return;
  }
  if (K == 1 && beta == T(1) && M > 1 && N > 1) {  // C += alpha a b^T: an outer product (B = 1 gradients)
    const int64_t inc_a = trans_a ? 1 : lda, inc_b = trans_b ? ldb : 1;
    blas_ger(static_cast<int>(M), static_cast<int>(N), alpha, A, static_cast<int>(inc_a), B, static_cast<int>(inc_b),
             C, static_cast<int>(ldc));
    return;
  }
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

// TF32 emulated: each input truncated to TF32's 10 mantissa bits (the low 13 of float's 23
// cleared), then the float product. Truncation, not rounding to nearest: NVIDIA describes
// the tensor cores as reading only the first 10 mantissa bits of a float input, so this
// is the conversion's largest error (2^-10 relative per input), never less than the GPU's.
void gemm_strided_batched_tf32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                               const float* A, int64_t lda, int64_t stride_a, const float* B, int64_t ldb,
                               int64_t stride_b, float beta, float* C, int64_t ldc, int64_t stride_c, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  // The elements each operand's batch spans, copied truncated (a span holds the gaps between
  // rows and matrices too: they are copied, never read by the product).
  auto truncated = [](const float* X, int64_t rows, int64_t cols, int64_t ld, int64_t stride, int64_t count) {
    const int64_t span = rows > 0 && cols > 0 ? (count - 1) * stride + (rows - 1) * ld + cols : 0;
    std::vector<float> out(static_cast<size_t>(span));
    for (int64_t i = 0; i < span; ++i) out[i] = to_tf32_truncated(X[i]);
    return out;
  };
  const std::vector<float> a = truncated(A, trans_a ? K : M, trans_a ? M : K, lda, stride_a, batch);
  const std::vector<float> b = truncated(B, trans_b ? N : K, trans_b ? K : N, ldb, stride_b, batch);
  gemm_strided_batched<float>(trans_a, trans_b, M, N, K, alpha, a.data(), lda, stride_a, b.data(), ldb, stride_b, beta,
                              C, ldc, stride_c, batch);
}

template <typename T>
void gemv(bool trans_a, int64_t M, int64_t N, T alpha, const T* A, int64_t lda, const T* x,
          T beta, T* y) {
  blas_gemv(trans(trans_a), static_cast<int>(M), static_cast<int>(N), alpha, A,
            static_cast<int>(lda), x, 1, beta, y, 1);
}

template <typename T>
void ger(int64_t M, int64_t N, T alpha, const T* x, const T* y, T* A, int64_t lda) {
  blas_ger(static_cast<int>(M), static_cast<int>(N), alpha, x, 1, y, 1, A, static_cast<int>(lda));
}

TCA_INSTANTIATE_BLAS_OPS(float)
TCA_INSTANTIATE_BLAS_OPS(double)

}  // namespace tca::cpu

namespace tca {

int cpu_blas_threads() { return openblas_get_num_threads(); }
void set_cpu_blas_threads(int threads) { openblas_set_num_threads(threads); }

}  // namespace tca
