// Dense products on cuBLAS. cuBLAS is column-major: a row-major M x N matrix with leading
// dimension ld is, to cuBLAS, its N x M transpose with the same ld. So the row-major
// C = op(A) op(B) is computed as the column-major C^T = op(B)^T op(A)^T, and so on. Every
// call runs on the calling thread's current stream (blas_handle binds it).
#include <cublas_v2.h>

#include <mutex>
#include <vector>

#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

constexpr int kMaxDevices = 64;

// Handles of threads that have ended, per device, for the next threads: training starts worker
// threads for each call of runs side by side, and creating a handle for each would take a
// workspace each time, while destroying one waits for the whole device. Never destroyed: the
// handles live as long as the process.
struct FreeHandles {
  std::mutex mutex;
  std::vector<cublasHandle_t> handles[kMaxDevices];
};
FreeHandles& free_handles() {
  static FreeHandles* pool = new FreeHandles;
  return *pool;
}

// The calling thread's cuBLAS handles, one per device, handed back to the pool when the thread
// ends, unbound from its stream (which may already be gone).
struct ThreadHandles {
  cublasHandle_t handles[kMaxDevices] = {};
  cudaStream_t bound[kMaxDevices] = {};
  bool is_bound[kMaxDevices] = {};
  ~ThreadHandles() {
    for (int d = 0; d < kMaxDevices; ++d)
      if (handles[d]) {
        cublasSetStream(handles[d], nullptr);
        const std::lock_guard<std::mutex> lock(free_handles().mutex);
        free_handles().handles[d].push_back(handles[d]);
      }
  }
};

// A handle for `device`: one a finished thread left, or a new one.
cublasHandle_t take_handle(int device) {
  {
    const std::lock_guard<std::mutex> lock(free_handles().mutex);
    std::vector<cublasHandle_t>& left = free_handles().handles[device];
    if (!left.empty()) {
      const cublasHandle_t h = left.back();
      left.pop_back();
      return h;
    }
  }
  release_cached_memory();  // cublasCreate takes its workspace with cudaMalloc, outside the pool
  cublasHandle_t h = nullptr;
  TCA_CUBLAS_CHECK(cublasCreate(&h));
  return h;
}

}  // namespace

cublasHandle_t blas_handle() {
  // One handle per thread and device, bound to the thread's current stream: set again only
  // when that changes (a StreamGuard). One handle per stream at a time also keeps cuBLAS's
  // results bitwise reproducible while other threads' streams run.
  thread_local ThreadHandles mine;
  int device = 0;
  TCA_CUDA_CHECK(cudaGetDevice(&device));
  if (device >= kMaxDevices) fail("more than 64 devices", __FILE__, __LINE__);
  if (!mine.handles[device]) mine.handles[device] = take_handle(device);
  const cudaStream_t s = stream();
  if (!mine.is_bound[device] || mine.bound[device] != s) {
    TCA_CUBLAS_CHECK(cublasSetStream(mine.handles[device], s));
    mine.bound[device] = s;
    mine.is_bound[device] = true;
  }
  return mine.handles[device];
}

namespace {

inline cublasOperation_t op(bool transpose) { return transpose ? CUBLAS_OP_T : CUBLAS_OP_N; }

// cuBLAS's 64-bit interface throughout: sizes, leading dimensions and offsets such as the
// j * lda of a strided gemv over RTRL's influence buffers can pass 2^31 elements.
cublasStatus_t gemm_call(cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k,
                         const float* alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                         const float* beta, float* C, int64_t ldc) {
  return cublasSgemm_64(blas_handle(), ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm_call(cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k,
                         const double* alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
                         const double* beta, double* C, int64_t ldc) {
  return cublasDgemm_64(blas_handle(), ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm_batched_call(cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k,
                                 const float* alpha, const float* A, int64_t lda, int64_t sa, const float* B,
                                 int64_t ldb, int64_t sb, const float* beta, float* C, int64_t ldc, int64_t sc,
                                 int64_t count) {
  return cublasSgemmStridedBatched_64(blas_handle(), ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc,
                                      sc, count);
}
cublasStatus_t gemm_batched_call(cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k,
                                 const double* alpha, const double* A, int64_t lda, int64_t sa, const double* B,
                                 int64_t ldb, int64_t sb, const double* beta, double* C, int64_t ldc, int64_t sc,
                                 int64_t count) {
  return cublasDgemmStridedBatched_64(blas_handle(), ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc,
                                      sc, count);
}
cublasStatus_t gemv_call(cublasOperation_t t, int64_t m, int64_t n, const float* alpha, const float* A, int64_t lda,
                         const float* x, const float* beta, float* y) {
  return cublasSgemv_64(blas_handle(), t, m, n, alpha, A, lda, x, 1, beta, y, 1);
}
cublasStatus_t gemv_call(cublasOperation_t t, int64_t m, int64_t n, const double* alpha, const double* A,
                         int64_t lda, const double* x, const double* beta, double* y) {
  return cublasDgemv_64(blas_handle(), t, m, n, alpha, A, lda, x, 1, beta, y, 1);
}
cublasStatus_t ger_call(int64_t m, int64_t n, const float* alpha, const float* x, const float* y, float* A,
                        int64_t lda) {
  return cublasSger_64(blas_handle(), m, n, alpha, x, 1, y, 1, A, lda);
}
cublasStatus_t ger_call(int64_t m, int64_t n, const double* alpha, const double* x, const double* y, double* A,
                        int64_t lda) {
  return cublasDger_64(blas_handle(), m, n, alpha, x, 1, y, 1, A, lda);
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  // C^T (N x M) = op(B)^T (N x K) op(A)^T (K x M), all in cuBLAS's column-major view.
  TCA_CUBLAS_CHECK(gemm_call(op(trans_b), op(trans_a), N, M, K, &alpha, B,
                             ldb, A, lda, &beta, C, ldc));
}

template <typename T>
void gemm_strided_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                          int64_t lda, int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T beta, T* C,
                          int64_t ldc, int64_t stride_c, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  // The same operand swap as gemm, for every matrix of the batch.
  TCA_CUBLAS_CHECK(gemm_batched_call(op(trans_b), op(trans_a), N, M, K, &alpha, B,
                                     ldb, stride_b, A, lda, stride_a, &beta, C, ldc,
                                     stride_c, batch));
}

// CUBLAS_COMPUTE_32F_FAST_TF32 lets cuBLAS take float inputs at TF32 precision on the tensor
// cores (the CPU's emulation: kernels/cpu/blas.cpp); alpha, beta and the sums stay float.
void gemm_strided_batched_tf32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                               const float* A, int64_t lda, int64_t stride_a, const float* B, int64_t ldb,
                               int64_t stride_b, float beta, float* C, int64_t ldc, int64_t stride_c, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  TCA_CUBLAS_CHECK(cublasGemmStridedBatchedEx_64(blas_handle(), op(trans_b), op(trans_a), N, M, K, &alpha, B,
                                                 CUDA_R_32F, ldb, stride_b, A, CUDA_R_32F, lda, stride_a, &beta, C,
                                                 CUDA_R_32F, ldc, stride_c, batch, CUBLAS_COMPUTE_32F_FAST_TF32,
                                                 CUBLAS_GEMM_DEFAULT));
}

template <typename T>
void gemv(bool trans, int64_t M, int64_t N, T alpha, const T* A, int64_t lda, const T* x, T beta,
          T* y) {
  if (M == 0 || N == 0) return;
  // Row-major A (M x N) is the column-major N x M matrix A^T: y = A x uses its transpose.
  TCA_CUBLAS_CHECK(gemv_call(op(!trans), N, M, &alpha, A, lda, x, &beta, y));
}

template <typename T>
void ger(int64_t M, int64_t N, T alpha, const T* x, const T* y, T* A, int64_t lda) {
  if (M == 0 || N == 0) return;
  // A^T (N x M, column-major) += alpha y x^T.
  TCA_CUBLAS_CHECK(ger_call(N, M, &alpha, y, x, A, lda));
}

TCA_INSTANTIATE_BLAS_OPS(float)
TCA_INSTANTIATE_BLAS_OPS(double)

}  // namespace tca::cuda
