// Reverse Kronecker-factored RTRL (Marschall, Cho & Savin 2020, JMLR 21(135), "A unified
// framework of online learning algorithms for training recurrent neural networks").
#pragma once

#include <cstdint>

#include "algorithms/stochastic_rule.h"

namespace tca {

// Carries, per sequence, the "reverse" Kronecker estimate of the influence M_t = dA_t/dW:
//   M_t[l, (i, j)] ~ A_t[i] B_t[l, j],   A (n),  B (n x k),
// whose expectation over the random signs is exactly M_t. Where KF-RTRL factors over the
// presynaptic index j, R-KF-RTRL factors over the postsynaptic index i, with the immediate
// influence Mbar_t[l, (i, j)] = delta(l, i) D_t[l] ahat_t[j] = E[nu_i (nu_l D_l ahat_j)] split by
// n random signs as in UORO (Marschall, Cho & Savin 2020, reverse KF-RTRL; docs/design.md notation):
//   nu in {+-1}^n
//   p0 = sqrt(|J_t B_{t-1}| / |A_{t-1}|),   p1 = sqrt(|(nu*D_t) ahat_t^T| / |nu|)
//   A_t = p0 A_{t-1} + p1 nu
//   B_t = J_t B_{t-1} / p0 + (nu*D_t) ahat_t^T / p1
//   gW += A_t (B_t^T c_t)^T                       (c_t^T M_t, never forming M_t)
// E[A_t (x) B_t | past] = A (x) J B + E[nu nu^T]-weighted Mbar_t = J M_{t-1} + Mbar_t since
// the cross terms have mean zero and p0, p1 do not depend on this step's nu (|nu*D| = |D|,
// |nu| = sqrt(n)): the estimate is unbiased for any positive p0, p1, which are chosen to
// balance the two factors' norms (the variance-minimising choice).
//
// Zero norms: at the start of a window A = 0 and B = 0 (M_0 = 0 exactly), and p0 = 0/0. When
// |A_{t-1}| = 0 or |J_t B_{t-1}| = 0 the first term is exactly zero and is dropped:
// A_t = p1 nu, B_t = (nu*D_t) ahat_t^T / p1, the limit of the formulas as A -> 0. The second
// term is dropped when |D_t| = 0 (all units saturated). No epsilon is needed, so the rule has
// no hyperparameters.
//
// Random draws: at step t (counted from 0 at reset()) one [B, n] tensor of signs from
// ops::random_signs(nu, noise_seed, t): nu[b, i] is Philox word b * n + i of
// (noise_seed, RandomStream::algorithm, t), the same layout as uoro.
//
// Cost per sequence and step: O(n^2 k) (the n x n times n x k product J_t B_{t-1});
// state: A, B and scratch of the same size.
class RkfRtrl : public StochasticRule {
 public:
  RkfRtrl(const RateRnnConfig& config, DType dtype, Device device)
      : StochasticRule(config, dtype, device) {}
  std::string id() const override { return "rkf_rtrl"; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  Tensor A_;           // [B, n]
  Tensor Bf_, JB_;     // [B, n, k]: B_{t-1}, and J_t B_{t-1} (then B_t)
  Tensor J_;           // [B, n, n] scratch: J_t of every sequence
  Tensor nu_, nu_D_;   // [B, n]: nu, nu * D_t
  Tensor Bt_c_;        // [B, k] scratch: B_t^T c_t
};

}  // namespace tca
