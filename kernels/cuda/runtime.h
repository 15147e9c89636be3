// Thin, checked wrappers over the CUDA runtime that host-only code may call.
// Declared always; defined in runtime.cu only when the CUDA backend is built.
#pragma once

#include <cstddef>

namespace tca::cuda {

int device_count();  // 0 when no device or no driver (never throws)
void* malloc_device(size_t bytes);  // throws std::runtime_error naming the size on failure
void free_device(void* ptr) noexcept;
void copy_to_device(void* dst, const void* src, size_t bytes);
void copy_to_host(void* dst, const void* src, size_t bytes);
void copy_device_to_device(void* dst, const void* src, size_t bytes);
void synchronize();
size_t free_memory();  // bytes free on the current device

}  // namespace tca::cuda
