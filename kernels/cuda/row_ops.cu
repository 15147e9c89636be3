// Per-sequence (per-row) ops on the GPU: one launch for all rows. Reductions run one block per
// row, summing in double, and return all rows' results in one copy to the host; per-row
// scalars come from the host in one copy.
#include <thrust/device_vector.h>

#include <cmath>

#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"

namespace tca::cuda {

namespace {

// Sum over a block in double (blockDim.x == kThreads, a power of two).
__device__ double block_sum(double v) {
  __shared__ double partial[kThreads];
  partial[threadIdx.x] = v;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  const double total = partial[0];
  __syncthreads();  // partial is reused by the next row of this block
  return total;
}

// out[r] = sum_c X[r, c] Y[r, c] (Y == X for squared norms).
template <typename T>
__global__ void row_dots_kernel(int64_t rows, int64_t cols, const T* X, const T* Y, double* out) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    double s = 0.0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += double(X[r * cols + c]) * double(Y[r * cols + c]);
    s = block_sum(s);
    if (threadIdx.x == 0) out[r] = s;
  }
}

template <typename T>
__global__ void scale_rows_kernel(int64_t rows, int64_t cols, const double* s, T* X) {
  TCA_GRID_STRIDE(i, rows * cols) X[i] *= static_cast<T>(s[i / cols]);
}

template <typename T>
__global__ void axpy_rows_kernel(int64_t rows, int64_t cols, const double* s, const T* X, T* Y) {
  TCA_GRID_STRIDE(i, rows * cols) Y[i] += static_cast<T>(s[i / cols]) * X[i];
}

template <typename T>
__global__ void add_outer_rows_kernel(int64_t B, int64_t M, int64_t N, const double* s, const T* x, const T* y,
                                      T* A) {
  TCA_GRID_STRIDE(idx, B * M * N) {
    const int64_t j = idx % N, i = (idx / N) % M, b = idx / (M * N);
    A[idx] += static_cast<T>(s[b]) * x[b * M + i] * y[b * N + j];
  }
}

template <typename T>
__global__ void add_diagonal_rows_kernel(int64_t B, int64_t n, const double* s, const T* d, T* A) {
  TCA_GRID_STRIDE(idx, B * n) {
    const int64_t b = idx / n, i = idx % n;
    A[b * n * n + i * n + i] += static_cast<T>(s[b]) * d[idx];
  }
}

thrust::device_vector<double> to_device(const double* host, int64_t count) {
  return thrust::device_vector<double>(host, host + count);
}

int row_blocks(int64_t rows) { return static_cast<int>(rows < 65535 ? rows : 65535); }

}  // namespace

template <typename T>
void row_dots(int64_t rows, int64_t cols, const T* X, const T* Y, double* out) {
  if (rows == 0) return;
  thrust::device_vector<double> result(static_cast<size_t>(rows));
  row_dots_kernel<<<row_blocks(rows), kThreads>>>(rows, cols, X, Y, thrust::raw_pointer_cast(result.data()));
  TCA_CUDA_CHECK_LAUNCH();
  thrust::copy(result.begin(), result.end(), out);
}

template <typename T>
void row_norms(int64_t rows, int64_t cols, const T* X, double* out) {
  // Sums of squares in double: exact enough, and no overflow short of |x| ~ 1e154.
  row_dots(rows, cols, X, X, out);
  for (int64_t r = 0; r < rows; ++r) out[r] = std::sqrt(out[r]);
}

template <typename T>
void scale_rows(int64_t rows, int64_t cols, const double* s, T* X) {
  if (rows * cols == 0) return;
  const auto scalars = to_device(s, rows);
  scale_rows_kernel<<<blocks_for(rows * cols), kThreads>>>(rows, cols, thrust::raw_pointer_cast(scalars.data()), X);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void axpy_rows(int64_t rows, int64_t cols, const double* s, const T* X, T* Y) {
  if (rows * cols == 0) return;
  const auto scalars = to_device(s, rows);
  axpy_rows_kernel<<<blocks_for(rows * cols), kThreads>>>(rows, cols, thrust::raw_pointer_cast(scalars.data()), X, Y);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void add_outer_rows(int64_t B, int64_t M, int64_t N, const double* s, const T* x, const T* y, T* A) {
  if (B * M * N == 0) return;
  const auto scalars = to_device(s, B);
  add_outer_rows_kernel<<<blocks_for(B * M * N), kThreads>>>(B, M, N, thrust::raw_pointer_cast(scalars.data()), x, y,
                                                              A);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void add_diagonal_rows(int64_t B, int64_t n, const double* s, const T* d, T* A) {
  if (B * n == 0) return;
  const auto scalars = to_device(s, B);
  add_diagonal_rows_kernel<<<blocks_for(B * n), kThreads>>>(B, n, thrust::raw_pointer_cast(scalars.data()), d, A);
  TCA_CUDA_CHECK_LAUNCH();
}

#define TCA_INSTANTIATE(T)                                                                        \
  template void row_norms<T>(int64_t, int64_t, const T*, double*);                                \
  template void row_dots<T>(int64_t, int64_t, const T*, const T*, double*);                       \
  template void scale_rows<T>(int64_t, int64_t, const double*, T*);                               \
  template void axpy_rows<T>(int64_t, int64_t, const double*, const T*, T*);                      \
  template void add_outer_rows<T>(int64_t, int64_t, int64_t, const double*, const T*, const T*, T*); \
  template void add_diagonal_rows<T>(int64_t, int64_t, const double*, const T*, T*);
TCA_INSTANTIATE(float)
TCA_INSTANTIATE(double)

}  // namespace tca::cuda
