// Kronecker-factored RTRL (Mujika, Meier & Steger 2018, NeurIPS, "Approximating Real-Time
// Recurrent Learning with Random Kronecker Factors").
#pragma once

#include <cstdint>

#include "algorithms/stochastic_rule.h"

namespace tca {

// Carries, per sequence, a Kronecker-product estimate of the influence M_t = dA_t/dW:
//   M_t[l, (i, j)] ~ A_t[l, i] u_t[j],   u (k), A (n x n),  i.e. M_t ~ u_t^T (x) A_t,
// whose expectation over the random signs is exactly M_t. The exact recursion is a sum of
// two Kronecker products, M_t = u^T (x) (J_t A) + ahat_t^T (x) diag(D_t), which the rule
// reduces to one with two random signs (Mujika et al. 2018; as reviewed, in this notation,
// by Marschall, Cho & Savin 2020, JMLR 21(135); see docs/design.md):
//   c1, c2 in {+-1}
//   p0 = sqrt(|J_t A_{t-1}| / |u_{t-1}|),   p1 = sqrt(|D_t| / |ahat_t|)   (Frobenius norms)
//   u_t = c1 p0 u_{t-1} + c2 p1 ahat_t
//   A_t = c1 J_t A_{t-1} / p0 + c2 diag(D_t) / p1
//   gW += (A_t^T c_t) u_t^T                      (c_t^T M_t, never forming M_t)
// E[u_t (x) A_t | past] = u (x) J A + ahat (x) diag(D) since E[c1 c2] = 0, E[c^2] = 1, and
// p0, p1 do not depend on this step's signs: the estimate is unbiased for any positive p0, p1.
// p0 and p1 are the variance-minimising choice (each Kronecker term's two factors get equal
// norms).
//
// Zero norms: at the start of a window u = 0 and A = 0 (M_0 = 0 exactly), and p0 = 0/0. When
// |u_{t-1}| = 0 or |J_t A_{t-1}| = 0 the first Kronecker term u (x) J A is exactly zero, and it
// is dropped: u_t = c2 p1 ahat_t, A_t = c2 diag(D_t) / p1, which is the limit of the formulas
// as u -> 0 (p0 u -> 0 and J A / p0 -> 0) and gives u_t (x) A_t = ahat_t (x) diag(D_t) exactly.
// Likewise the second term is dropped when |D_t| = 0 (all units saturated); both dropped
// leaves u = 0, A = 0. No epsilon is needed, so the rule has no hyperparameters.
//
// Random draws: at step t (counted from 0 at reset()) one [B, 2] tensor of signs from
// ops::random_signs(signs, noise_seed, t): c1 of sequence b is Philox word 2b and c2 word
// 2b + 1 of (noise_seed, RandomStream::algorithm, t), so sequence b's signs do not depend
// on B. The signs stay on the device: the factors are computed there (ops::kf_rtrl_factors).
//
// Cost per sequence and step: O(n^3 + nk) (the n x n x n product J_t A_{t-1}, and the
// rank-one gradient update of the n x k block); state: u, A and scratch of the same size.
class KfRtrl : public StochasticRule {
 public:
  KfRtrl(const RateRnnConfig& config, DType dtype, Device device)
      : StochasticRule(config, dtype, device) {}
  std::string id() const override { return "kf_rtrl"; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  Tensor u_;           // [B, k]
  Tensor A_, JA_;      // [B, n, n]: A_{t-1}, and J_t A_{t-1} (then A_t)
  Tensor J_;           // [B, n, n] scratch: J_t of every sequence
  Tensor signs_;       // [B, 2]
  Tensor At_c_;        // [B, n] scratch: A_t^T c_t
};

}  // namespace tca
