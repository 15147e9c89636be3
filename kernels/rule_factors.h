// The per-sequence factors of the unbiased stochastic rules (uoro, kf_rtrl, rkf_rtrl), as
// functions of one sequence's norms. Compiled by the C++ compiler for the CPU ops and by nvcc
// for the CUDA ones (kernels/cpu/row_ops.cpp, kernels/cuda/row_ops.cu): one definition, so
// both backends compute the same doubles (IEEE division and square root on both) and no step
// of a rule needs to bring its norms to the host. The rules' headers derive the formulas and
// the zero-norm guards.
#pragma once

#include <cmath>

#ifdef __CUDACC__
#define TCA_HOST_DEVICE __host__ __device__
#else
#define TCA_HOST_DEVICE
#endif

namespace tca {

// Rows of the norms and factors tensors of each rule (ops::uoro_factors and the others).
enum UoroNorm { uoro_ttil, uoro_J_atil, uoro_nu_D, uoro_ahat, uoro_nu, uoro_norm_count };
enum UoroFactor { uoro_r0, uoro_r1, uoro_inv_r0, uoro_inv_r1, uoro_factor_count };
enum KfRtrlNorm { kf_u, kf_JA, kf_dphi, kf_ahat, kf_norm_count };
enum KfRtrlFactor { kf_u_scale, kf_ahat_scale, kf_A_scale, kf_D_scale, kf_factor_count };
enum RkfRtrlNorm { rkf_A, rkf_JB, rkf_nu_D, rkf_ahat, rkf_nu, rkf_norm_count };
enum RkfRtrlFactor { rkf_p0, rkf_p1, rkf_inv_p0, rkf_inv_p1, rkf_factor_count };

// UORO (algorithms/uoro.h): r0 = sqrt((|ttil| + eps) / (|J atil| + eps)),
// r1 = sqrt((|nu*D| |ahat| + eps) / (|nu| + eps)) (|(nu*D) ahat^T| = |nu*D| |ahat|).
TCA_HOST_DEVICE inline void uoro_factors_of(const double* norm, double eps, double* factor) {
  const double r0 = sqrt((norm[uoro_ttil] + eps) / (norm[uoro_J_atil] + eps));
  const double r1 = sqrt((norm[uoro_nu_D] * norm[uoro_ahat] + eps) / (norm[uoro_nu] + eps));
  factor[uoro_r0] = r0;
  factor[uoro_r1] = r1;
  factor[uoro_inv_r0] = 1.0 / r0;
  factor[uoro_inv_r1] = 1.0 / r1;
}

// KF-RTRL (algorithms/kf_rtrl.h) with signs c1, c2: p0 = sqrt(|J A| / |u|),
// p1 = sqrt(|D| / |ahat|) with |D| = alpha |phi'|; u_t = (c1 p0) u + (c2 p1) ahat,
// A_t = (c1 / p0) J A + (c2 alpha / p1) diag(phi'). A Kronecker term with a zero factor is
// exactly zero and is dropped (its two scales are 0).
TCA_HOST_DEVICE inline void kf_rtrl_factors_of(const double* norm, double c1, double c2, double alpha,
                                               double* factor) {
  const double D_norm = alpha * norm[kf_dphi];
  const bool first = norm[kf_u] > 0 && norm[kf_JA] > 0, second = D_norm > 0 && norm[kf_ahat] > 0;
  const double p0 = first ? sqrt(norm[kf_JA] / norm[kf_u]) : 0.0;
  const double p1 = second ? sqrt(D_norm / norm[kf_ahat]) : 0.0;
  factor[kf_u_scale] = first ? c1 * p0 : 0.0;
  factor[kf_ahat_scale] = second ? c2 * p1 : 0.0;
  factor[kf_A_scale] = first ? c1 / p0 : 0.0;
  factor[kf_D_scale] = second ? c2 * alpha / p1 : 0.0;
}

// R-KF-RTRL (algorithms/rkf_rtrl.h): p0 = sqrt(|J B| / |A|), p1 = sqrt(|nu*D| |ahat| / |nu|);
// A_t = p0 A + p1 nu, B_t = (1 / p0) J B + (1 / p1) (nu*D) ahat^T. A dropped term (a zero
// factor) gets scales 0.
TCA_HOST_DEVICE inline void rkf_rtrl_factors_of(const double* norm, double* factor) {
  const double immediate = norm[rkf_nu_D] * norm[rkf_ahat];
  const bool first = norm[rkf_A] > 0 && norm[rkf_JB] > 0, second = immediate > 0;
  const double p0 = first ? sqrt(norm[rkf_JB] / norm[rkf_A]) : 0.0;
  const double p1 = second ? sqrt(immediate / norm[rkf_nu]) : 0.0;
  factor[rkf_p0] = first ? p0 : 0.0;
  factor[rkf_p1] = second ? p1 : 0.0;
  factor[rkf_inv_p0] = first ? 1.0 / p0 : 0.0;
  factor[rkf_inv_p1] = second ? 1.0 / p1 : 0.0;
}

}  // namespace tca
