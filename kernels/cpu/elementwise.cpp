// CPU implementations of the elementwise ops (fill, axpy, scale, mul), the random signs and the
// reductions (dot, nrm2), as plain loops. GPU twin: kernels/cuda/elementwise.cu.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/cpu/ops_cpu.h"
#include "kernels/philox.h"
#include "kernels/op_instantiations.h"

namespace tca::cpu {

template <typename T>
void fill(T* x, int64_t n, T value) {
  std::fill(x, x + n, value);
}

template <typename T>
TCA_VECTOR_CLONES void axpy(int64_t n, T alpha, const T* x, T* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

template <typename T>
TCA_VECTOR_CLONES void scale(int64_t n, T alpha, T* x) {
  for (int64_t i = 0; i < n; ++i) x[i] *= alpha;
}

template <typename T>
TCA_VECTOR_CLONES void mul(int64_t n, T alpha, const T* x, const T* y, T* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = alpha * x[i] * y[i];
}

template <typename T>
TCA_VECTOR_CLONES void random_signs(T* x, int64_t n, uint64_t seed, uint64_t step) {
  // Word i of the stream is word i % 4 of block i / 4: whole blocks at a time, the same signs
  // as next_u32() called n times.
  const Philox rng(seed, RandomStream::algorithm, step);
  const int64_t whole = n / 4;
  for (int64_t b = 0; b < whole; ++b) {
    const auto words = rng.block(static_cast<uint32_t>(b));
    for (int w = 0; w < 4; ++w) x[4 * b + w] = (words[w] & 1u) ? T(1) : T(-1);
  }
  if (whole * 4 < n) {
    const auto words = rng.block(static_cast<uint32_t>(whole));
    for (int64_t i = whole * 4; i < n; ++i) x[i] = (words[i - whole * 4] & 1u) ? T(1) : T(-1);
  }
}

// Reductions accumulate in double whatever T is. The sum runs in eight interleaved partial sums, combined in a fixed order at the end: eight
// independent chains, which the compiler turns into vector adds without reassociating anything
// (no -ffast-math), and the result is the same whatever the vector width. One serial chain
// would wait on the adder's latency at every element.
template <typename T>
TCA_VECTOR_CLONES double sum_of_products(int64_t n, const T* x, const T* y) {
  constexpr int kLanes = 8;
  double lane[kLanes] = {};
  const int64_t body = n - n % kLanes;
  for (int64_t i = 0; i < body; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] += static_cast<double>(x[i + j]) * static_cast<double>(y[i + j]);
  double tail = 0.0;
  for (int64_t i = body; i < n; ++i) tail += static_cast<double>(x[i]) * static_cast<double>(y[i]);
  return (((lane[0] + lane[4]) + (lane[1] + lane[5])) + ((lane[2] + lane[6]) + (lane[3] + lane[7]))) + tail;
}

template <typename T>
double dot(int64_t n, const T* x, const T* y) {
  return sum_of_products(n, x, y);
}

template <typename T>
double nrm2(int64_t n, const T* x) {
  // One pass summing squares in double: exact enough, and it cannot overflow or underflow for
  // float inputs. Only for doubles beyond ~1e154 or below ~1e-145 (the sum is then inf or
  // tiny), or an all-zero x, does a second, scaled pass run. NaN propagates through the sum.
  const double s = sum_of_products(n, x, x);
  if (std::isfinite(s) && s > 1e-290) return std::sqrt(s);
  if (std::isnan(s)) return s;
  double largest = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::abs(static_cast<double>(x[i]));
    if (std::isnan(v)) return v;
    largest = std::max(largest, v);
  }
  if (largest == 0.0 || !std::isfinite(largest)) return largest;
  double scaled = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]) / largest;  // not * (1 / largest): that overflows for denormals
    scaled += v * v;
  }
  return largest * std::sqrt(scaled);
}

TCA_INSTANTIATE_ELEMENTWISE_OPS(float)
TCA_INSTANTIATE_ELEMENTWISE_OPS(double)

}  // namespace tca::cpu
