#include "kernels/cuda/runtime.h"

#include "kernels/cuda/check.h"

namespace tca::cuda {

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver / no device" error
    return 0;
  }
  return count;
}

void* malloc_device(size_t bytes) {
  void* ptr = nullptr;
  const cudaError_t err = cudaMalloc(&ptr, bytes);
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error("cannot allocate " + std::to_string(bytes) +
                             " bytes on the GPU: " + cudaGetErrorString(err));
  }
  return ptr;
}

void free_device(void* ptr) noexcept { cudaFree(ptr); }

void copy_to_device(void* dst, const void* src, size_t bytes) {
  TCA_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}
void copy_to_host(void* dst, const void* src, size_t bytes) {
  TCA_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}
void copy_device_to_device(void* dst, const void* src, size_t bytes) {
  TCA_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
}
void synchronize() { TCA_CUDA_CHECK(cudaDeviceSynchronize()); }

size_t free_memory() {
  size_t free_bytes = 0, total_bytes = 0;
  TCA_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return free_bytes;
}

}  // namespace tca::cuda
