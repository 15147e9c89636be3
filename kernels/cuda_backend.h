// The CUDA backend as tca_kernels sees it: a table of function pointers into libtca_cuda.so
// (kernels/cuda/*.cu, the CUDA runtime and cuBLAS), which tca_kernels loads with dlopen the
// first time something needs the GPU. Executables do not link the CUDA libraries, so a run on
// the CPU never loads them: the CUDA runtime and cuBLAS add about 200 MB resident before the
// first kernel runs.
//
// The table holds every op of kernels/op_signatures.inc, for float and double, and the runtime
// functions of kernels/cuda/runtime.h that tca_kernels itself calls. It is generated from those
// two lists and carries a hash of their text, so a libtca_cuda.so built from other signatures
// is refused rather than called through a mismatched table.
//
// Only kernels/ops.cpp and kernels/tensor.cpp use this header; everything else goes through
// Tensor and the ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/loss_kind.h"

namespace tca::cuda_backend {

// The runtime functions in the table, as X(return type, name, (parameters)); each is
// implemented by tca::cuda::name (kernels/cuda/runtime.h).
#define TCA_CUDA_RUNTIME_FUNCTIONS(X)                                         \
  X(int, device_count, ())                                                    \
  X(void*, malloc_device, (size_t bytes))                                     \
  X(void, free_device, (void* ptr) noexcept)                                  \
  X(void, copy_to_device, (void* dst, const void* src, size_t bytes))         \
  X(void, copy_to_host, (void* dst, const void* src, size_t bytes))           \
  X(void, copy_device_to_device, (void* dst, const void* src, size_t bytes))  \
  X(size_t, free_memory, ())                                                  \
  X(void, synchronize, ())                                                    \
  X(std::string, device_name, ())

// The ops with one implementation per dtype, for one T.
template <typename T>
struct TypedOps {
#define TCA_OP(ret, name, params) ret(*name) params = nullptr;
#define TCA_OP_UNTYPED(ret, name, params)
#include "kernels/op_signatures.inc"
};

// FNV-1a, to hash the signature lists at compile time.
constexpr uint64_t fnv1a(const char* text) {
  uint64_t h = 14695981039346656037ull;
  for (; *text; ++text) h = (h ^ static_cast<unsigned char>(*text)) * 1099511628211ull;
  return h;
}

// The hash of both lists' text (the preprocessor normalises the spacing), in this tcabench and
// in the library it loads.
#define TCA_OP(ret, name, params) #ret " " #name #params "\n"
#define TCA_OP_UNTYPED(ret, name, params) "untyped " #ret " " #name #params "\n"
#define TCA_CUDA_RUNTIME_TEXT(ret, name, params) "runtime " #ret " " #name #params "\n"
inline constexpr uint64_t kSignature = fnv1a(
#include "kernels/op_signatures.inc"
    TCA_CUDA_RUNTIME_FUNCTIONS(TCA_CUDA_RUNTIME_TEXT));
#undef TCA_CUDA_RUNTIME_TEXT

struct Table {
  uint64_t signature = 0;  // kSignature of the sources the library was built from
  TypedOps<float> f32;
  TypedOps<double> f64;
#define TCA_OP(ret, name, params)
#define TCA_OP_UNTYPED(ret, name, params) ret(*name) params = nullptr;
#include "kernels/op_signatures.inc"
#define TCA_CUDA_RUNTIME_POINTER(ret, name, params) ret(*name) params = nullptr;
  TCA_CUDA_RUNTIME_FUNCTIONS(TCA_CUDA_RUNTIME_POINTER)
#undef TCA_CUDA_RUNTIME_POINTER

  template <typename T>
  const TypedOps<T>& ops() const {
    if constexpr (sizeof(T) == sizeof(float)) return f32;
    else return f64;
  }
};

// The library's one exported symbol: extern "C" const Table* tca_cuda_backend_table().
inline constexpr const char* kLibraryName = "libtca_cuda.so";
inline constexpr const char* kEntryPoint = "tca_cuda_backend_table";

// Whether an NVIDIA GPU or driver can be present (device files, /proc/driver/nvidia, an NVIDIA
// PCI display device). Cheap, and loads nothing: a machine without any of them has no GPU.
bool gpu_may_be_present();

// The backend, loaded on the first call. Throws std::runtime_error in a build without the CUDA
// backend, or when the library cannot be loaded (the message names every path tried). The
// library is looked for, in order: already loaded (an executable that links it); at
// $TCA_CUDA_LIBRARY when set (then nowhere else); next to the executable; in the build folder
// it was built in; on the dynamic linker's search path.
const Table& table();

template <typename T>
const TypedOps<T>& ops() {
  return table().ops<T>();
}

}  // namespace tca::cuda_backend
