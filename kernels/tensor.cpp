#include "kernels/tensor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "kernels/cuda_backend.h"
#include "kernels/host_memory.h"

namespace tca {

std::string to_string(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }
std::string to_string(DType t) { return t == DType::f32 ? "float" : "double"; }

DType parse_dtype(const std::string& s) {
  if (s == "float" || s == "f32" || s == "float32") return DType::f32;
  if (s == "double" || s == "f64" || s == "float64") return DType::f64;
  throw std::invalid_argument("unknown precision '" + s + "' (valid: float, double)");
}

bool cuda_available() {
#ifdef TCA_HAVE_CUDA
  // --device auto asks on every run: load the CUDA backend only where a GPU may be present.
  static const bool available = [] {
    if (!cuda_backend::gpu_may_be_present()) return false;
    try {
      return cuda_backend::table().device_count() > 0;
    } catch (const std::exception& e) {
      // A GPU but no usable backend: say why rather than fall back to the CPU in silence.
      std::fprintf(stderr, "tcabench: warning: the GPU is not used: %s\n", e.what());
      return false;
    }
  }();
  return available;
#else
  return false;
#endif
}

std::string cuda_device_name() { return cuda_backend::table().device_name(); }

size_t available_memory(Device device) {
  if (device == Device::cuda) {
#ifdef TCA_HAVE_CUDA
    return cuda_backend::table().free_memory();
#else
    return 0;
#endif
  }
  return host_memory().available();
}

void synchronize(Device device) {
  if (device == Device::cuda) cuda_backend::table().synchronize();
}

// ---- Storage ----------------------------------------------------------------------------

Storage::Storage(size_t bytes, Device device) : bytes_(bytes), device_(device) {
  if (bytes == 0) return;
  if (device == Device::cpu) {
    // 64-byte alignment: whole cache lines and any SIMD width.
    data_ = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!data_) throw std::runtime_error("cannot allocate " + std::to_string(bytes) + " bytes");
  } else {
    data_ = cuda_backend::table().malloc_device(bytes);  // throws in a build without the CUDA backend
  }
}

Storage::~Storage() {
  if (!data_) return;
  if (device_ == Device::cpu) {
    std::free(data_);
  } else {
    cuda_backend::table().free_device(data_);  // loaded: it allocated data_
  }
}

// ---- Tensor -----------------------------------------------------------------------------

namespace {

int64_t count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative tensor dimension");
    n *= d;
  }
  return n;
}

std::string shape_text(const Shape& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

// Copies bytes between any two devices.
void copy_bytes(void* dst, Device dst_dev, const void* src, Device src_dev, size_t bytes) {
  if (bytes == 0) return;
  if (dst_dev == Device::cpu && src_dev == Device::cpu) {
    std::memcpy(dst, src, bytes);
    return;
  }
  const cuda_backend::Table& cuda = cuda_backend::table();
  if (dst_dev == Device::cuda && src_dev == Device::cpu) return cuda.copy_to_device(dst, src, bytes);
  if (dst_dev == Device::cpu && src_dev == Device::cuda) return cuda.copy_to_host(dst, src, bytes);
  return cuda.copy_device_to_device(dst, src, bytes);
}

}  // namespace

void Shape::too_many_dimensions(size_t rank) {
  throw std::invalid_argument("a tensor of rank " + std::to_string(rank) + ": at most " + std::to_string(kMaxRank) +
                              " dimensions");
}

void Shape::erase_front() {
  std::copy(dims_.begin() + 1, dims_.begin() + rank_, dims_.begin());
  --rank_;
}

Tensor::Tensor(Shape shape, DType dtype, Device device)
    : storage_(std::make_shared<Storage>(static_cast<size_t>(count(shape)) * dtype_size(dtype), device)),
      shape_(shape),
      dtype_(dtype),
      device_(device) {}

Tensor Tensor::zeros(Shape shape, DType dtype, Device device) {
  const int64_t n = count(shape);
  return from_host(std::vector<double>(static_cast<size_t>(n), 0.0), shape, dtype, device);
}

Tensor Tensor::from_host(const std::vector<double>& values, Shape shape, DType dtype, Device device) {
  if (static_cast<int64_t>(values.size()) != count(shape))
    throw std::invalid_argument("from_host: " + std::to_string(values.size()) +
                                " values for shape " + shape_text(shape));
  Tensor host(shape, dtype, Device::cpu);
  if (values.empty()) {
    // nothing to copy (and no pointer to copy from)
  } else if (dtype == DType::f64) {
    std::memcpy(host.data(), values.data(), values.size() * sizeof(double));
  } else {
    float* p = host.data_as<float>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
  }
  return device == Device::cpu ? host : host.to(device);
}

void Tensor::bad_dimension(int i) const {
  throw std::out_of_range("dimension " + std::to_string(i) + " of " + describe());
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined tensor";
  return to_string(dtype_) + " " + to_string(device_) + " " + shape_text(shape_);
}

void Tensor::undefined_data() { throw std::logic_error("data() of an undefined tensor"); }

void Tensor::wrong_dtype(DType dtype) const {
  throw std::logic_error("tensor " + describe() + " accessed as " + to_string(dtype));
}

Tensor Tensor::slice(int64_t i) const {
  if (rank() < 1 || i < 0 || i >= shape_[0])
    throw std::out_of_range("slice " + std::to_string(i) + " of " + describe());
  Tensor view = *this;
  view.shape_.erase_front();
  view.offset_ = offset_ + static_cast<size_t>(i * count(view.shape_));
  return view;
}

Tensor Tensor::narrow(int64_t start, int64_t length) const {
  if (rank() < 1 || start < 0 || length < 0 || start + length > shape_[0])
    throw std::out_of_range("narrow [" + std::to_string(start) + ", " + std::to_string(start + length) +
                            ") of " + describe());
  Tensor view = *this;
  view.shape_[0] = length;
  view.offset_ = offset_ + static_cast<size_t>(start * (shape_[0] > 0 ? numel() / shape_[0] : 0));
  return view;
}

Tensor Tensor::reshape(Shape shape) const {
  if (count(shape) != numel())
    throw std::invalid_argument("cannot reshape " + describe() + " to " + shape_text(shape));
  Tensor view = *this;
  view.shape_ = shape;
  return view;
}

Tensor Tensor::clone() const { return to(device_); }

Tensor Tensor::to(Device device) const {
  Tensor out(shape_, dtype_, device);
  out.copy_from(*this);
  return out;
}

void Tensor::copy_from(const Tensor& src) {
  if (src.dtype_ != dtype_ || src.numel() != numel())
    throw std::invalid_argument("copy_from: " + src.describe() + " into " + describe());
  copy_bytes(data(), device_, src.data(), src.device_, bytes());
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return clone();
  return from_host(to_host(), shape_, dtype, device_);
}

std::vector<double> Tensor::to_host() const {
  if (!defined()) return {};
  const Tensor host = device_ == Device::cpu ? *this : to(Device::cpu);
  std::vector<double> out(static_cast<size_t>(numel()));
  if (out.empty()) return out;
  if (dtype_ == DType::f64) {
    std::memcpy(out.data(), host.data(), out.size() * sizeof(double));
  } else {
    const float* p = host.data_as<float>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = p[i];
  }
  return out;
}

}  // namespace tca
