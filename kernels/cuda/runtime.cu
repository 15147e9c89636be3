#include "kernels/cuda/runtime.h"

#include <atomic>
#include <cstdint>
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

// Set when the thread's streams are gone (its thread_local objects are being destroyed):
// memory freed after that, e.g. by a static tensor at exit, is freed synchronously.
thread_local bool streams_destroyed = false;

// The calling thread's own streams, one per device, destroyed when the thread ends. Errors
// there are ignored: at process exit the runtime may already be unloaded.
struct ThreadStreams {
  Stream streams[kMaxDevices] = {};
  ~ThreadStreams() {
    streams_destroyed = true;
    // Finished first: memory the thread used may be freed by another thread next, on a
    // stream that knows nothing of this one's work.
    for (Stream& s : streams)
      if (s) {
        cudaStreamSynchronize(s);
        cudaStreamDestroy(s);
        s = nullptr;
      }
  }
};
thread_local ThreadStreams thread_streams;

// Whether each device's allocations come from its stream-ordered memory pool (every device
// of compute capability 6.0 and later on a recent driver; the attribute says). 0 = not yet
// asked, 1 = pool, 2 = plain cudaMalloc. The first allocation on a device asks, and sets the
// pool to keep freed memory (release threshold: all of it) instead of handing it back to the
// driver at every synchronisation, which is what makes a cached allocation cheap.
std::atomic<int> allocator_kind[kMaxDevices] = {};

bool uses_pool(int device) {
  int kind = allocator_kind[device].load(std::memory_order_acquire);
  if (kind != 0) return kind == 1;
  int supported = 0;
  if (cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device) != cudaSuccess) {
    cudaGetLastError();
    supported = 0;
  }
  if (supported) {
    cudaMemPool_t pool = nullptr;
    TCA_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
    uint64_t keep_all = UINT64_MAX;
    TCA_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_all));
  }
  kind = supported ? 1 : 2;
  allocator_kind[device].store(kind, std::memory_order_release);
  return kind == 1;
}

// The innermost StreamGuard of this thread, if any.
thread_local bool guarded = false;
thread_local Stream guarded_stream = nullptr;

// Reports a failure where nothing can be thrown (destructors), and clears a non-sticky error
// so that it is not blamed on the next, unrelated launch. At process exit, once the runtime is
// unloading, there is nothing to report.
void report(cudaError_t err, const char* what) noexcept {
  if (err == cudaSuccess) return;
  if (err == cudaErrorCudartUnloading) {
    cudaGetLastError();
    return;
  }
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

void release_cached_memory() noexcept {
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device >= kMaxDevices) {
    cudaGetLastError();
    return;
  }
  if (allocator_kind[device].load(std::memory_order_acquire) != 1) return;
  cudaMemPool_t pool = nullptr;
  if (cudaDeviceGetDefaultMemPool(&pool, device) != cudaSuccess) {
    cudaGetLastError();
    return;
  }
  report(cudaMemPoolTrimTo(pool, 0), "cudaMemPoolTrimTo");
}

void* malloc_device(size_t bytes) {
  void* ptr = nullptr;
  const bool pool = uses_pool(current_device());
  cudaError_t err = pool ? cudaMallocAsync(&ptr, bytes, current_stream()) : cudaMalloc(&ptr, bytes);
  if (err == cudaErrorMemoryAllocation && pool) {
    // The pool may hold freed memory that no stream of ours can take yet (its frees not yet
    // reached) in pieces too small: wait for the device, hand it all back, and ask again.
    cudaGetLastError();
    report(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    release_cached_memory();
    err = cudaMallocAsync(&ptr, bytes, current_stream());
  }
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error("cannot allocate " + std::to_string(bytes) +
                             " bytes on the GPU: " + cudaGetErrorString(err));
  }
  return ptr;
}

// With the pool, the memory returns to it when the current stream reaches the free: work
// queued before on this stream may still use it, later allocations on this stream may take
// it at once, and other streams only once the free has run. Work on another stream that
// reads the memory must therefore be finished or ordered before the free (the rule of
// runtime.h). Without the pool, cudaFree waits for the whole device.
void free_device(void* ptr) noexcept {
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device >= kMaxDevices) {
    report(cudaFree(ptr), "cudaFree");
    return;
  }
  if (allocator_kind[device].load(std::memory_order_acquire) != 1) {
    report(cudaFree(ptr), "cudaFree");
    return;
  }
  if (streams_destroyed) {  // the thread's stream is gone: wait for the device, then free
    report(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    report(cudaFreeAsync(ptr, nullptr), "cudaFreeAsync");
    report(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    return;
  }
  try {
    report(cudaFreeAsync(ptr, current_stream()), "cudaFreeAsync");
  } catch (const std::exception& e) {  // the thread's stream could not be created
    std::fprintf(stderr, "tcabench: %s\n", e.what());
    report(cudaFreeAsync(ptr, nullptr), "cudaFreeAsync");
  }
}

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
  // Memory the pool holds but no allocation uses is free to the next allocation too.
  const int device = current_device();
  if (allocator_kind[device].load(std::memory_order_acquire) == 1) {
    cudaMemPool_t pool = nullptr;
    TCA_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
    uint64_t reserved = 0, used = 0;
    TCA_CUDA_CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved));
    TCA_CUDA_CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used));
    if (reserved > used) free_bytes += static_cast<size_t>(reserved - used);
  }
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

// After the thread's streams are gone (its thread_local objects being destroyed), what is left
// of its work goes to the legacy default stream, which orders with every other stream.
Stream current_stream() {
  if (guarded) return guarded_stream;
  return streams_destroyed ? nullptr : thread_stream();
}

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
