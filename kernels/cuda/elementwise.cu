// Elementwise ops, random signs and reductions on the GPU, on the calling thread's stream.
#include <Random123/philox.h>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/inner_product.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <cstddef>

#include "kernels/cuda/launch.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/philox.h"
#include "kernels/op_instantiations.h"

namespace tca::cuda {

namespace {

// Thrust's temporary storage from the stream-ordered pool (runtime.h) instead of its default
// cudaMalloc and cudaFree, the latter of which waits for every stream of the device.
struct PoolAllocator {
  using value_type = char;
  char* allocate(std::ptrdiff_t bytes) {
    return bytes > 0 ? static_cast<char*>(malloc_device(static_cast<size_t>(bytes))) : nullptr;
  }
  void deallocate(char* ptr, size_t) noexcept {
    if (ptr) free_device(ptr);
  }
};

template <typename T>
__global__ void fill_kernel(T* x, int64_t n, T value) {
  TCA_GRID_STRIDE(i, n) x[i] = value;
}

template <typename T>
__global__ void axpy_kernel(int64_t n, T alpha, const T* x, T* y) {
  TCA_GRID_STRIDE(i, n) y[i] += alpha * x[i];
}

template <typename T>
__global__ void scale_kernel(int64_t n, T alpha, T* x) {
  TCA_GRID_STRIDE(i, n) x[i] *= alpha;
}

template <typename T>
__global__ void mul_kernel(int64_t n, T alpha, const T* x, const T* y, T* out) {
  TCA_GRID_STRIDE(i, n) out[i] = alpha * x[i] * y[i];
}

// Element i: bit 0 of lane i % 4 of Philox block i / 4, counter {i / 4, step, stream}, key
// seed: the very words tca::Philox hands out in order on the CPU.
template <typename T>
__global__ void random_signs_kernel(T* x, int64_t n, uint32_t seed_lo, uint32_t seed_hi,
                                    uint32_t step_lo, uint32_t step_hi, uint32_t stream) {
  TCA_GRID_STRIDE(i, n) {
    r123::Philox4x32 engine;
    const r123::Philox4x32::ctr_type counter = {{static_cast<uint32_t>(i / 4), step_lo, step_hi, stream}};
    const r123::Philox4x32::key_type key = {{seed_lo, seed_hi}};
    const r123::Philox4x32::ctr_type block = engine(counter, key);
    x[i] = (block[static_cast<int>(i % 4)] & 1u) ? T(1) : T(-1);
  }
}

// Products and squares summed in double, as on the CPU.
struct ProductInDouble {
  template <typename T>
  __host__ __device__ double operator()(T a, T b) const { return double(a) * double(b); }
};
struct Magnitude {
  template <typename T>
  __host__ __device__ double operator()(T a) const { return fabs(double(a)); }
};
// max that propagates NaN (a NaN anywhere makes the norm NaN, as on the CPU).
struct MaxOrNaN {
  __host__ __device__ double operator()(double a, double b) const {
    return (a != a || b != b) ? (a + b) : (a > b ? a : b);
  }
};
struct ScaledSquare {
  double largest;
  template <typename T>
  __host__ __device__ double operator()(T a) const {
    const double v = double(a) / largest;  // not * (1 / largest): that overflows for denormals
    return v * v;
  }
};

}  // namespace

template <typename T>
void fill(T* x, int64_t n, T value) {
  if (n == 0) return;
  fill_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(x, n, value);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void axpy(int64_t n, T alpha, const T* x, T* y) {
  if (n == 0) return;
  axpy_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, alpha, x, y);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void scale(int64_t n, T alpha, T* x) {
  if (n == 0) return;
  scale_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, alpha, x);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void mul(int64_t n, T alpha, const T* x, const T* y, T* out) {
  if (n == 0) return;
  mul_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, alpha, x, y, out);
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
void random_signs(T* x, int64_t n, uint64_t seed, uint64_t step) {
  if (n == 0) return;
  random_signs_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(
      x, n, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(step),
      static_cast<uint32_t>(step >> 32), static_cast<uint32_t>(RandomStream::algorithm));
  TCA_CUDA_CHECK_LAUNCH();
}

template <typename T>
double dot(int64_t n, const T* x, const T* y) {
  auto px = thrust::device_pointer_cast(x);
  auto py = thrust::device_pointer_cast(y);
  // On the thread's stream; Thrust waits for the stream to bring the sum to the host.
  PoolAllocator scratch;
  const double s = thrust::inner_product(thrust::cuda::par(scratch).on(stream()), px, px + n, py, 0.0,
                                         thrust::plus<double>(), ProductInDouble());
  TCA_CUDA_CHECK_LAUNCH();
  return s;
}

template <typename T>
double nrm2(int64_t n, const T* x) {
  // Scaled like the CPU version, so no square overflows: the largest magnitude first (NaN if
  // any element is NaN), then the sum of squares of x / largest.
  auto px = thrust::device_pointer_cast(x);
  PoolAllocator scratch;
  const double largest =
      thrust::transform_reduce(thrust::cuda::par(scratch).on(stream()), px, px + n, Magnitude(), 0.0, MaxOrNaN());
  TCA_CUDA_CHECK_LAUNCH();
  if (largest == 0.0 || !std::isfinite(largest)) return largest;
  const double s = thrust::transform_reduce(thrust::cuda::par(scratch).on(stream()), px, px + n,
                                            ScaledSquare{largest}, 0.0, thrust::plus<double>());
  TCA_CUDA_CHECK_LAUNCH();
  return largest * std::sqrt(s);
}

TCA_INSTANTIATE_ELEMENTWISE_OPS(float)
TCA_INSTANTIATE_ELEMENTWISE_OPS(double)

}  // namespace tca::cuda
