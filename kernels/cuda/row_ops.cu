// Per-sequence (per-row) ops on the GPU: one launch for all rows. The per-row scalars (norms,
// dots, scales, weights) are double arrays in device memory, so nothing here waits for the
// host. Reductions sum in double, one block per row when there are enough rows to fill the
// device; a few long rows (UORO's and KF-RTRL's norms at B = 1-16 over n(n+m+1) columns)
// are cut into fixed chunks summed by blocks of their own, then each row's chunk sums are
// added by one block in a fixed order. The cut depends only on the shape, so the sums are the
// same on every GPU and every run. The stochastic rules' factors come from kernels/rule_factors.h, the very
// code the CPU runs.
#include <cmath>

#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/rule_factors.h"
#include "kernels/op_instantiations.h"

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

// out[r] = sum_c X[r, c] Y[r, c], or its square root (Y == X: the norm).
template <typename T>
__global__ void row_dots_kernel(int64_t rows, int64_t cols, const T* X, const T* Y, bool square_root, double* out) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    double s = 0.0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += double(X[r * cols + c]) * double(Y[r * cols + c]);
    s = block_sum(s);
    if (threadIdx.x == 0) out[r] = square_root ? sqrt(s) : s;
  }
}

// Two passes for a few long rows. Pass 1: block (chunk, r) sums X[r, c] Y[r, c] over
// the columns of its chunk into partial[r * chunks + chunk]. Pass 2: block r adds row r's
// chunk sums (one block per row, as above).
constexpr int64_t kChunkColumns = 2048;       // 8 elements per thread
constexpr int64_t kOnePassRows = 1024;        // from here on, one block per row fills the device
constexpr int64_t kOnePassColumns = 4 * kChunkColumns;

template <typename T>
__global__ void row_dot_chunks_kernel(int64_t cols, int64_t chunks, const T* X, const T* Y, double* partial) {
  const int64_t chunk = blockIdx.x, r = blockIdx.y;
  const int64_t begin = chunk * kChunkColumns;
  const int64_t end = begin + kChunkColumns < cols ? begin + kChunkColumns : cols;
  double s = 0.0;
  for (int64_t c = begin + threadIdx.x; c < end; c += blockDim.x) s += double(X[r * cols + c]) * double(Y[r * cols + c]);
  s = block_sum(s);
  if (threadIdx.x == 0) partial[r * chunks + chunk] = s;
}

__global__ void sum_chunks_kernel(int64_t rows, int64_t chunks, const double* partial, bool square_root,
                                  double* out) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    double s = 0.0;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) s += partial[r * chunks + c];
    s = block_sum(s);
    if (threadIdx.x == 0) out[r] = square_root ? sqrt(s) : s;
  }
}

template <typename T>
__global__ void scale_add_rows_kernel(int64_t rows, int64_t cols, const double* sy, const double* sx, const T* X,
                                      T* Y) {
  TCA_GRID_STRIDE(i, rows * cols) {
    const int64_t r = i / cols;
    Y[i] = static_cast<T>(sy[r]) * Y[i] + static_cast<T>(sx[r]) * X[i];
  }
}

template <typename T>
__global__ void scale_add_outer_rows_kernel(int64_t B, int64_t M, int64_t N, const double* sa, const double* sxy,
                                            const T* x, const T* y, T* A) {
  TCA_GRID_STRIDE(idx, B * M * N) {
    const int64_t j = idx % N, i = (idx / N) % M, b = idx / (M * N);
    A[idx] = static_cast<T>(sa[b]) * A[idx] + static_cast<T>(sxy[b]) * x[b * M + i] * y[b * N + j];
  }
}

template <typename T>
__global__ void scale_add_diagonal_rows_kernel(int64_t B, int64_t n, const double* sa, const double* sd, const T* d,
                                               T* A) {
  TCA_GRID_STRIDE(idx, B * n * n) {
    const int64_t j = idx % n, i = (idx / n) % n, b = idx / (n * n);
    const T scaled = static_cast<T>(sa[b]) * A[idx];
    A[idx] = i == j ? scaled + static_cast<T>(sd[b]) * d[b * n + i] : scaled;
  }
}

// G[c] += sum_r w[r] X[r, c]: one thread per column, summing over the rows in order (reads of
// X are coalesced across the threads of a warp).
template <typename T>
__global__ void add_weighted_rows_kernel(int64_t rows, int64_t cols, const double* w, const T* X, T* G) {
  TCA_GRID_STRIDE(c, cols) {
    T sum = G[c];
    for (int64_t r = 0; r < rows; ++r) sum += static_cast<T>(w[r]) * X[r * cols + c];
    G[c] = sum;
  }
}

// One thread per sequence b: gathers column b of the [rows, B] norms, writes column b of the
// [4, B] factors.
__global__ void uoro_factors_kernel(int64_t B, double epsilon, const double* norms, double* factors) {
  TCA_GRID_STRIDE(b, B) {
    double norm[uoro_norm_count], factor[uoro_factor_count];
    for (int r = 0; r < uoro_norm_count; ++r) norm[r] = norms[r * B + b];
    uoro_factors_of(norm, epsilon, factor);
    for (int r = 0; r < uoro_factor_count; ++r) factors[r * B + b] = factor[r];
  }
}

template <typename T>
__global__ void kf_rtrl_factors_kernel(int64_t B, double alpha, const double* norms, const T* signs,
                                       double* factors) {
  TCA_GRID_STRIDE(b, B) {
    double norm[kf_norm_count], factor[kf_factor_count];
    for (int r = 0; r < kf_norm_count; ++r) norm[r] = norms[r * B + b];
    kf_rtrl_factors_of(norm, double(signs[2 * b]), double(signs[2 * b + 1]), alpha, factor);
    for (int r = 0; r < kf_factor_count; ++r) factors[r * B + b] = factor[r];
  }
}

__global__ void rkf_rtrl_factors_kernel(int64_t B, const double* norms, double* factors) {
  TCA_GRID_STRIDE(b, B) {
    double norm[rkf_norm_count], factor[rkf_factor_count];
    for (int r = 0; r < rkf_norm_count; ++r) norm[r] = norms[r * B + b];
    rkf_rtrl_factors_of(norm, factor);
    for (int r = 0; r < rkf_factor_count; ++r) factors[r * B + b] = factor[r];
  }
}

int row_blocks(int64_t rows) { return static_cast<int>(rows < 65535 ? rows : 65535); }

// Device memory for the length of one op, freed on the stream after the op's launches: the
// pool (runtime.h) hands it out again without waiting for the device.
class Scratch {
 public:
  explicit Scratch(size_t bytes) : ptr_(malloc_device(bytes)) {}
  ~Scratch() { free_device(ptr_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  double* doubles() const { return static_cast<double*>(ptr_); }

 private:
  void* ptr_;
};

// out[r] = sum_c X[r, c] Y[r, c], or its square root.
template <typename T>
void reduce_rows(int64_t rows, int64_t cols, const T* X, const T* Y, bool square_root, double* out) {
  if (rows == 0) return;
  if (rows >= kOnePassRows || cols <= kOnePassColumns) {
    row_dots_kernel<<<row_blocks(rows), kThreads, 0, stream()>>>(rows, cols, X, Y, square_root, out);
    TCA_CUDA_CHECK_LAUNCH();
    return;
  }
  const int64_t chunks = (cols + kChunkColumns - 1) / kChunkColumns;
  Scratch partial(static_cast<size_t>(rows * chunks) * sizeof(double));
  // chunks <= 2^31 - 1 columns of the grid for any cols below 2^42; rows < kOnePassRows.
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(rows));
  row_dot_chunks_kernel<<<grid, kThreads, 0, stream()>>>(cols, chunks, X, Y, partial.doubles());
  TCA_CUDA_CHECK_LAUNCH();
  sum_chunks_kernel<<<row_blocks(rows), kThreads, 0, stream()>>>(rows, chunks, partial.doubles(), square_root, out);
  TCA_CUDA_CHECK_LAUNCH();
}

}  // namespace

template <typename T>
void row_dots(int64_t rows, int64_t cols, const T* X, const T* Y, double* out) {
  reduce_rows(rows, cols, X, Y, false, out);
}

template <typename T>
void row_norms(int64_t rows, int64_t cols, const T* X, double* out) {
  // Sums of squares in double: exact enough, and no overflow short of |x| ~ 1e154.
  reduce_rows(rows, cols, X, X, true, out);
}

template <typename T>
void scale_add_rows(int64_t rows, int64_t cols, const double* sy, const double* sx, const T* X, T* Y) {
  if (rows * cols == 0) return;
  scale_add_rows_kernel<<<blocks_for(rows * cols), kThreads, 0, stream()>>>(rows, cols, sy, sx, X, Y);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void scale_add_outer_rows(int64_t B, int64_t M, int64_t N, const double* sa, const double* sxy, const T* x,
                          const T* y, T* A) {
  if (B * M * N == 0) return;
  scale_add_outer_rows_kernel<<<blocks_for(B * M * N), kThreads, 0, stream()>>>(B, M, N, sa, sxy, x, y, A);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void scale_add_diagonal_rows(int64_t B, int64_t n, const double* sa, const double* sd, const T* d, T* A) {
  if (B * n == 0) return;
  scale_add_diagonal_rows_kernel<<<blocks_for(B * n * n), kThreads, 0, stream()>>>(B, n, sa, sd, d, A);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void add_weighted_rows(int64_t rows, int64_t cols, const double* w, const T* X, T* G) {
  if (rows * cols == 0) return;
  add_weighted_rows_kernel<<<blocks_for(cols), kThreads, 0, stream()>>>(rows, cols, w, X, G);
  TCA_CUDA_CHECK_LAUNCH();
}

void uoro_factors(int64_t B, double epsilon, const double* norms, double* factors) {
  if (B == 0) return;
  uoro_factors_kernel<<<blocks_for(B), kThreads, 0, stream()>>>(B, epsilon, norms, factors);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void kf_rtrl_factors(int64_t B, double alpha, const double* norms, const T* signs, double* factors) {
  if (B == 0) return;
  kf_rtrl_factors_kernel<<<blocks_for(B), kThreads, 0, stream()>>>(B, alpha, norms, signs, factors);
  TCA_CUDA_CHECK_LAUNCH();
}

void rkf_rtrl_factors(int64_t B, const double* norms, double* factors) {
  if (B == 0) return;
  rkf_rtrl_factors_kernel<<<blocks_for(B), kThreads, 0, stream()>>>(B, norms, factors);
  TCA_CUDA_CHECK_LAUNCH();
}

TCA_INSTANTIATE_ROW_OPS(float)
TCA_INSTANTIATE_ROW_OPS(double)

}  // namespace tca::cuda
