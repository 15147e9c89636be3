// TF32, the tensor cores' input format for float products: float's sign and 8-bit exponent with
// 10 of its 23 mantissa bits. The CPU's emulation of TF32 products (kernels/cpu/blas.cpp) and
// its tests take their inputs through to_tf32_truncated.
#pragma once

#include <cstdint>
#include <cstring>

namespace tca {

// x with the low 13 mantissa bits cleared: TF32 by truncation toward zero. Infinities and
// zeros are unchanged and a NaN stays a NaN (a quiet NaN's top mantissa bit is kept).
inline float to_tf32_truncated(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits &= 0xFFFFE000u;
  std::memcpy(&x, &bits, sizeof bits);
  return x;
}

}  // namespace tca
