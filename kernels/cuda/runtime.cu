#include "kernels/cuda/runtime.h"

#include <cstdio>

#include "kernels/cuda/check.h"

namespace tca::cuda {

namespace {

constexpr int kMaxDevices = 64;

int current_device() {
  int device = 0;
  TCA_CUDA_CHECK(cudaGetDevice(&device));
  if (device >= kMaxDevices) fail("device " + std::to_string(device) + ": more than 64 devices", __FILE__, __LINE__);
  return device;
}

// The calling thread's own streams, one per device, destroyed when the thread ends. Errors
// there are ignored: at process exit the runtime may already be unloaded.
struct ThreadStreams {
  Stream streams[kMaxDevices] = {};
  ~ThreadStreams() {
    for (Stream s : streams)
      if (s) cudaStreamDestroy(s);
  }
};
thread_local ThreadStreams thread_streams;

// The innermost StreamGuard of this thread, if any.
thread_local bool guarded = false;
thread_local Stream guarded_stream = nullptr;

// Reports a failure where nothing can be thrown (destructors), and clears a non-sticky error
// so that it is not blamed on the next, unrelated launch.
void report(cudaError_t err, const char* what) noexcept {
  if (err == cudaSuccess) return;
  std::fprintf(stderr, "tcabench: CUDA error in %s: %s\n", what, cudaGetErrorString(err));
  cudaGetLastError();
}

}  // namespace

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

// cudaFree waits for the device's outstanding work, so memory still in use by a kernel on
// any stream is not released under it.
void free_device(void* ptr) noexcept { report(cudaFree(ptr), "cudaFree"); }

void copy_to_device(void* dst, const void* src, size_t bytes) {
  const Stream stream = current_stream();
  TCA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream));
  // The source is ordinary (pageable) host memory that callers free right away (e.g. the
  // staging tensor of Tensor::from_host), and CUDA documents a pageable copy only as one that
  // "might be" synchronous: wait. Host-to-device copies happen when a window is set up, not
  // within its steps.
  TCA_CUDA_CHECK(cudaStreamSynchronize(stream));
}
void copy_to_host(void* dst, const void* src, size_t bytes) {
  const Stream stream = current_stream();
  TCA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream));
  TCA_CUDA_CHECK(cudaStreamSynchronize(stream));  // the host reads dst next
}
void copy_device_to_device(void* dst, const void* src, size_t bytes) {
  TCA_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, current_stream()));
}
void synchronize() { TCA_CUDA_CHECK(cudaStreamSynchronize(current_stream())); }
void synchronize_device() { TCA_CUDA_CHECK(cudaDeviceSynchronize()); }

size_t free_memory() {
  size_t free_bytes = 0, total_bytes = 0;
  TCA_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return free_bytes;
}

std::string device_name() {
  int id = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&id) == cudaSuccess && cudaGetDeviceProperties(&prop, id) == cudaSuccess) return prop.name;
  cudaGetLastError();
  return "unknown CUDA device";
}

Stream thread_stream() {
  Stream& s = thread_streams.streams[current_device()];
  if (!s) TCA_CUDA_CHECK(cudaStreamCreate(&s));
  return s;
}

Stream current_stream() { return guarded ? guarded_stream : thread_stream(); }

StreamGuard::StreamGuard(Stream stream) : previous_(guarded_stream), had_previous_(guarded) {
  guarded = true;
  guarded_stream = stream;
}

StreamGuard::~StreamGuard() {
  guarded = had_previous_;
  guarded_stream = previous_;
}

OwnedStream::OwnedStream() { TCA_CUDA_CHECK(cudaStreamCreate(&stream_)); }

OwnedStream::~OwnedStream() {
  report(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
  report(cudaStreamDestroy(stream_), "cudaStreamDestroy");
}

void OwnedStream::synchronize() const { TCA_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

}  // namespace tca::cuda
