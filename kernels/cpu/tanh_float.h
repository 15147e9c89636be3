// tanh of floats in a form the compiler vectorises: glibc's tanhf (through expm1f) is a scalar
// call per element, and was a third of the time of the cheap rules' steps.
//
// For a float x the value is computed in double and rounded once: with E = e^{2x},
// tanh(x) = (E - 1) / (E + 1), and e^u = 2^k e^r with k = round(u / ln 2), r = u - k ln 2
// (|r| <= ln(2)/2, ln 2 split in two parts so that r is exact to ~1e-19), e^r by its Taylor
// polynomial of degree 11 (remainder below 3e-15 relative), 2^k built in the exponent bits.
// The double result is within ~1e-14 relative of tanh(x), far inside a float's half ulp
// (3e-8), so the rounded float is the correctly rounded tanh(x) but where tanh(x) lies within
// 1e-14 of a midpoint between two floats. Small |x| < 2^-12 give x itself (the correctly
// rounded value: x^3/3 is below half an ulp of x), and |x| > 20 is clamped (tanh is then 1 in
// float). NaN gives NaN. tests/test_ops.cpp compares it with std::tanh in double on 10^6
// values of every binade.
#pragma once

#include <cstdint>
#include <cstring>

namespace tca::cpu {

inline float tanh_float(float value) {
  const double x = value;
  const double ax = x < 0 ? -x : x;
  const double u = 2.0 * (ax > 20.0 ? 20.0 : ax);  // e^{2|x|}; a NaN passes through
  // k = round(u / ln 2) by the 1.5 * 2^52 trick (round to nearest, vectorisable).
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52
  const double shifted = u * 1.4426950408889634 + kShift;
  const double k = shifted - kShift;
  const double r = (u - k * 0.6931471805598903) - k * 5.497923018708371e-14;  // ln 2, hi + lo
  double p = 1.0 / 39916800.0;  // e^r = sum r^i / i!, i <= 11 (Horner)
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^k: k (0 <= k <= 58) sits in the low bits of `shifted`; add the exponent bias and shift.
  int64_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  const int64_t exponent = ((bits & 0xfff) + 1023) << 52;
  double two_k;
  std::memcpy(&two_k, &exponent, sizeof two_k);
  const double E = p * two_k;
  const double t = (E - 1.0) / (E + 1.0);
  const double signed_t = x < 0 ? -t : t;
  return static_cast<float>(ax < 0.000244140625 ? x : signed_t);  // 2^-12; keeps the sign of -0
}

}  // namespace tca::cpu
