// CUDA implementations of the elementwise ops and reductions. Dense products and the fused
// recurrent-network kernels come with the CUDA backend issue; ops without a CUDA version
// reject CUDA tensors with a clear error in kernels/ops.cpp.
#include "kernels/cuda/ops_cuda.h"

#include <thrust/device_ptr.h>
#include <thrust/functional.h>
#include <thrust/inner_product.h>
#include <thrust/transform_reduce.h>

#include <cmath>

#include "kernels/cuda/check.h"

namespace tca::cuda {

namespace {

constexpr int kThreads = 256;

inline int blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65535 ? (b > 0 ? b : 1) : 65535);  // grid-stride loops cover the rest
}

template <typename T>
__global__ void fill_kernel(T* x, int64_t n, T value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] = value;
}

template <typename T>
__global__ void axpy_kernel(int64_t n, T alpha, const T* x, T* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += alpha * x[i];
}

template <typename T>
__global__ void scale_kernel(int64_t n, T alpha, T* x) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] *= alpha;
}

template <typename T>
__global__ void mul_kernel(int64_t n, T alpha, const T* x, const T* y, T* out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = alpha * x[i] * y[i];
}

// Products summed in double, as on the CPU.
struct ProductInDouble {
  template <typename T>
  __host__ __device__ double operator()(T a, T b) const { return double(a) * double(b); }
};
struct SquareInDouble {
  template <typename T>
  __host__ __device__ double operator()(T a) const { return double(a) * double(a); }
};

template <typename T>
void launch_fill(T* x, int64_t n, T value) {
  if (n == 0) return;
  fill_kernel<<<blocks_for(n), kThreads>>>(x, n, value);
  TCA_CUDA_CHECK_LAUNCH();
}
template <typename T>
void launch_axpy(int64_t n, T alpha, const T* x, T* y) {
  if (n == 0) return;
  axpy_kernel<<<blocks_for(n), kThreads>>>(n, alpha, x, y);
  TCA_CUDA_CHECK_LAUNCH();
}
template <typename T>
void launch_scale(int64_t n, T alpha, T* x) {
  if (n == 0) return;
  scale_kernel<<<blocks_for(n), kThreads>>>(n, alpha, x);
  TCA_CUDA_CHECK_LAUNCH();
}
template <typename T>
void launch_mul(int64_t n, T alpha, const T* x, const T* y, T* out) {
  if (n == 0) return;
  mul_kernel<<<blocks_for(n), kThreads>>>(n, alpha, x, y, out);
  TCA_CUDA_CHECK_LAUNCH();
}
template <typename T>
double thrust_dot(int64_t n, const T* x, const T* y) {
  auto px = thrust::device_pointer_cast(x);
  auto py = thrust::device_pointer_cast(y);
  const double s = thrust::inner_product(px, px + n, py, 0.0, thrust::plus<double>(), ProductInDouble());
  TCA_CUDA_CHECK_LAUNCH();
  return s;
}
template <typename T>
double thrust_nrm2(int64_t n, const T* x) {
  // Sum of squares in double: overflows only beyond 1e154, far outside float's range.
  auto px = thrust::device_pointer_cast(x);
  const double s = thrust::transform_reduce(px, px + n, SquareInDouble(), 0.0, thrust::plus<double>());
  TCA_CUDA_CHECK_LAUNCH();
  return std::sqrt(s);
}

}  // namespace

void fill(float* x, int64_t n, float value) { launch_fill(x, n, value); }
void fill(double* x, int64_t n, double value) { launch_fill(x, n, value); }
void axpy(int64_t n, float alpha, const float* x, float* y) { launch_axpy(n, alpha, x, y); }
void axpy(int64_t n, double alpha, const double* x, double* y) { launch_axpy(n, alpha, x, y); }
void scale(int64_t n, float alpha, float* x) { launch_scale(n, alpha, x); }
void scale(int64_t n, double alpha, double* x) { launch_scale(n, alpha, x); }
void mul(int64_t n, float alpha, const float* x, const float* y, float* out) { launch_mul(n, alpha, x, y, out); }
void mul(int64_t n, double alpha, const double* x, const double* y, double* out) { launch_mul(n, alpha, x, y, out); }
double dot(int64_t n, const float* x, const float* y) { return thrust_dot(n, x, y); }
double dot(int64_t n, const double* x, const double* y) { return thrust_dot(n, x, y); }
double nrm2(int64_t n, const float* x) { return thrust_nrm2(n, x); }
double nrm2(int64_t n, const double* x) { return thrust_nrm2(n, x); }

}  // namespace tca::cuda
