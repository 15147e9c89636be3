// Tensor: a dense, row-major array that knows its backend (device) and precision (dtype).
//
// Tensors share storage when sliced or reshaped (views), like numpy. Ops (kernels/ops.h)
// dispatch on device and dtype; algorithm code is written once against them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace tca {

enum class Device { cpu, cuda };
enum class DType { f32, f64 };

std::string to_string(Device d);
std::string to_string(DType t);
DType parse_dtype(const std::string& s);  // "float"/"f32" or "double"/"f64"; throws otherwise
inline size_t dtype_size(DType t) { return t == DType::f32 ? sizeof(float) : sizeof(double); }

// Owns one allocation on one device.
class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

// A tensor's dimensions, held inline: rules make views every step, and a shape on the heap made
// each view cost an allocation. At most kMaxRank dimensions (std::invalid_argument beyond).
class Shape {
 public:
  static constexpr size_t kMaxRank = 4;
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.end()); }
  Shape(const std::vector<int64_t>& dims) { assign(dims.data(), dims.data() + dims.size()); }  // NOLINT: implicit
  operator std::vector<int64_t>() const { return {begin(), end()}; }  // NOLINT: implicit
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + rank_; }
  size_t size() const { return rank_; }
  bool empty() const { return rank_ == 0; }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  void erase_front();  // drops the first dimension
  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (size_t i = 0; i < a.rank_; ++i)  // a loop: std::equal calls memcmp, slower for 4 numbers
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  // Inline: the ops build a Shape from a braced list for every check of a rule's step.
  void assign(const int64_t* first, const int64_t* last) {
    const size_t rank = static_cast<size_t>(last - first);
    if (rank > kMaxRank) too_many_dimensions(rank);
    for (size_t i = 0; i < rank; ++i) dims_[i] = first[i];
    rank_ = rank;
  }
  [[noreturn]] static void too_many_dimensions(size_t rank);
  std::array<int64_t, kMaxRank> dims_{};
  size_t rank_ = 0;
};

class Tensor {
 public:
  Tensor() = default;
  // Allocates; contents are unspecified (use ops::fill or a factory below).
  Tensor(Shape shape, DType dtype, Device device = Device::cpu);

  static Tensor zeros(Shape shape, DType dtype, Device device = Device::cpu);
  // Copies host doubles into a new tensor of the given dtype and device.
  static Tensor from_host(const std::vector<double>& values, Shape shape, DType dtype, Device device = Device::cpu);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const {
    if (i < 0 || i >= rank()) bad_dimension(i);
    return shape_[static_cast<size_t>(i)];
  }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const {
    if (!defined()) return 0;
    int64_t n = 1;
    for (const int64_t d : shape_) n *= d;
    return n;
  }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  std::string describe() const;  // e.g. "f32 cpu [16, 32]"

  void* data() const {
    if (!defined()) undefined_data();
    return static_cast<char*>(storage_->data()) + offset_ * dtype_size(dtype_);
  }
  template <typename T>
  T* data_as() const {  // checks that T matches dtype()
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "float or double");
    expect_dtype(std::is_same_v<T, float> ? DType::f32 : DType::f64);
    return static_cast<T*>(data());
  }

  // View of element i along the first dimension (rank drops by one).
  Tensor slice(int64_t i) const;
  // View of elements [start, start + length) along the first dimension (rank unchanged).
  Tensor narrow(int64_t start, int64_t length) const;
  // View with another shape of the same element count.
  Tensor reshape(Shape shape) const;
  // Deep copies.
  Tensor clone() const;
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  std::vector<double> to_host() const;  // all elements as doubles, in row-major order
  // Copies the bytes of src (same dtype and element count, any device) into this tensor.
  void copy_from(const Tensor& src);

 private:
  void expect_dtype(DType dtype) const {  // throws std::logic_error on a mismatch
    if (dtype != dtype_) wrong_dtype(dtype);
  }
  [[noreturn]] void wrong_dtype(DType dtype) const;
  [[noreturn]] static void undefined_data();
  [[noreturn]] void bad_dimension(int i) const;

  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;  // in elements
  Shape shape_;
  DType dtype_ = DType::f32;
  Device device_ = Device::cpu;
};

// Built with CUDA and at least one device present. Loads the CUDA backend (kernels/cuda_backend.h)
// only where a GPU may be present, and asks once per process.
bool cuda_available();
std::string cuda_device_name();  // the current CUDA device's name (loads the CUDA backend)
// Bytes that can still be allocated on the device: for the CPU the smallest of MemAvailable,
// the memory control groups' headroom and RLIMIT_AS's (kernels/host_memory.h); free device
// memory for CUDA.
size_t available_memory(Device device);
// Waits until the calling thread's work on `device` is done (nothing to wait for on the CPU).
// Memory this thread allocated on the GPU is then ready for other threads' streams
// (kernels/cuda/runtime.h: Memory).
void synchronize(Device device);
// The threads one CPU BLAS call may use (OpenBLAS: OPENBLAS_NUM_THREADS, else every CPU), and
// setting it for the whole process. Runs side by side on the CPU set it to 1, so that they do not
// compete for the cores with BLAS's own threads (kernels/cpu/blas.cpp).
int cpu_blas_threads();
void set_cpu_blas_threads(int threads);
// Sets the CPU BLAS threads for a scope, restoring the previous count at its end.
class CpuBlasThreadsScope {
 public:
  explicit CpuBlasThreadsScope(int threads) : saved_(cpu_blas_threads()) { set_cpu_blas_threads(threads); }
  ~CpuBlasThreadsScope() { set_cpu_blas_threads(saved_); }
  CpuBlasThreadsScope(const CpuBlasThreadsScope&) = delete;
  CpuBlasThreadsScope& operator=(const CpuBlasThreadsScope&) = delete;

 private:
  int saved_;
};

}  // namespace tca
