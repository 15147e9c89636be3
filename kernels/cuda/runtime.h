// Thin, checked wrappers over the CUDA runtime that host-only code may call, and the streams
// the CUDA backend runs on. Defined in runtime.cu, part of libtca_cuda.so: tca_kernels reaches
// the few it needs through the backend's table (kernels/cuda_backend.h), and only executables
// that link libtca_cuda.so themselves (the GPU tests, tcabench_gpu_bench) call them directly.
// Every call is checked (kernels/cuda/check.h): a failure throws std::runtime_error naming the
// call, the error and the place.
//
// Streams. Every thread has its own CUDA stream per device, created on first use and kept
// for the life of the thread's process. Everything the backend does on the GPU goes to the
// calling thread's current stream (current_stream()): every kernel launch, every Thrust
// algorithm (thrust::cuda::par.on(stream)), every cuBLAS call (the thread's handle is set
// to the stream with cublasSetStream) and every copy (cudaMemcpyAsync). Work of one thread
// therefore runs in issue order, and threads do not serialise on each other. The host
// waits only where it needs a value: copy_to_host and the reductions that return a double
// (ops::dot, ops::nrm2) synchronise the stream; nothing else does.
//
// To run a scope's work on another stream (e.g. to overlap two independent windows from one
// thread), hold a StreamGuard:
//
//   tca::cuda::OwnedStream side;             // a new stream, destroyed at scope end
//   tca::cuda::synchronize();                // the thread's tensors ready for `side` (Memory)
//   {
//     tca::cuda::StreamGuard on_side(side.get());
//     run_window(...);                       // every launch and copy goes to `side`
//   }                                        // back to the thread's own stream
//   side.synchronize();                      // before reading results on the host
//
// The streams are created with default flags, so they also order with the legacy default
// stream (stream 0): work that some library might still put there cannot race with ours.
//
// Memory. Device memory comes from the device's stream-ordered pool (cudaMallocAsync on the
// current stream) and goes back to it on the stream current when it is freed (cudaFreeAsync):
// neither waits for the device, so one thread's allocations do not stall the other threads'
// streams, and freed memory is kept for the next allocation rather than returned to the
// driver. The rules that keep this safe: device memory is used on another stream than the
// one it was allocated on only once that stream is ordered after the allocation (synchronise
// the allocating thread's stream before handing its tensors to other threads, as training
// does before its runs side by side); and it is freed on a stream that every use of it is
// ordered before. Freeing it on the stream that last used it (the thread's own, or the
// guard's, as in the example above, where `side` is synchronised before the scope's tensors
// go) is enough; a thread's streams finish their work when the thread ends, so its tensors
// may be freed by another thread after it has been joined. A device without memory pools falls back to cudaMalloc and cudaFree,
// which waits for the whole device.
#pragma once

#include <cstddef>
#include <string>

struct CUstream_st;  // the CUDA runtime's stream type: cudaStream_t is CUstream_st*

namespace tca::cuda {

using Stream = CUstream_st*;

int device_count();  // 0 when no device or no driver (never throws)
// Stream-ordered (see Memory above). malloc_device throws std::runtime_error naming the size
// on failure; free_device reports a failure on stderr (destructors call it).
void* malloc_device(size_t bytes);
void free_device(void* ptr) noexcept;
// Copies on the current stream. To the device and device to device they are asynchronous
// with respect to the host (the host source is consumed before the call returns); to the
// host the stream is synchronised, so dst holds the data on return.
void copy_to_device(void* dst, const void* src, size_t bytes);
void copy_to_host(void* dst, const void* src, size_t bytes);
void copy_device_to_device(void* dst, const void* src, size_t bytes);
void synchronize();         // waits for the current stream
void synchronize_device();  // waits for every stream of the current device
size_t free_memory();  // bytes free on the current device, counting the pool's unused memory
// Hands the memory the current device's pool holds unused back to the driver, for allocations
// outside the pool (cuBLAS's workspace, other processes). Failures are reported on stderr.
void release_cached_memory() noexcept;
std::string device_name();  // the current device's name, "unknown CUDA device" if it cannot be read

// The stream the calling thread's CUDA work goes to: the innermost StreamGuard's stream, or
// else the thread's own stream on the current device.
Stream current_stream();
// The thread's own stream on the current device (whatever guard is active).
Stream thread_stream();

// Makes `stream` the calling thread's current stream until the guard is destroyed, then
// restores the previous one. Guards nest; they are per thread and must not outlive the
// stream they name.
class StreamGuard {
 public:
  explicit StreamGuard(Stream stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
  bool had_previous_;
};

// A stream created on the current device and destroyed (after its work has finished) with
// the object.
class OwnedStream {
 public:
  OwnedStream();
  ~OwnedStream();
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;
  Stream get() const { return stream_; }
  void synchronize() const;

 private:
  Stream stream_ = nullptr;
};

}  // namespace tca::cuda
