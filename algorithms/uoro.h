// Unbiased Online Recurrent Optimization (Tallec & Ollivier 2018, ICLR; arXiv:1702.05043).
#pragma once

#include <cstdint>

#include "algorithms/stochastic_rule.h"
#include "core/param_table.h"

namespace tca {

// Carries, per sequence, a rank-one estimate of the influence M_t = dA_t/dW (n x nk),
//   M_t ~ atil_t ttil_t^T,   atil (n),  ttil (nk, stored as n x k like W),
// whose expectation over the random signs is exactly M_t. Step t (Tallec & Ollivier 2018,
// Algorithm 1, in docs/design.md's notation; J_t = (1-alpha) I + alpha diag(phi'(h_t)) W_rec,
// D_t = alpha phi'(h_t), Mbar_t = D_t (x) ahat_t^T):
//   nu in {+-1}^n                                         (fresh signs every step)
//   r0 = sqrt((|ttil_{t-1}| + eps) / (|J_t atil_{t-1}| + eps))
//   r1 = sqrt((|(nu*D_t) ahat_t^T| + eps) / (|nu| + eps))
//   atil_t = r0 J_t atil_{t-1} + r1 nu
//   ttil_t = ttil_{t-1} / r0 + (nu*D_t) ahat_t^T / r1      ((nu*D) ahat^T = nu^T Mbar_t)
//   gW += (c_t . atil_t) ttil_t
// E[atil_t ttil_t^T | past] = J_t atil_{t-1} ttil_{t-1}^T + E[nu nu^T] Mbar_t: the cross terms
// vanish because nu has mean zero and r0, r1 do not depend on this step's nu (|nu*D| = |D|,
// |nu| = sqrt(n)), so by induction E[atil_t ttil_t^T] = M_t and the gradient is unbiased for
// any positive r0, r1. The factors above are the paper's variance-minimising choice: they
// balance the norms of the two factors of each rank-one term. The paper's loss at t+1 reads
// the state s_t, so it pairs the gradient with the estimate before the update; here the loss
// at t reads a_t, the state after step t, so the gradient uses atil_t, ttil_t after it.
//
// eps (hyperparameter `epsilon`, default 1e-7) plays the part of the paper's stabilising
// epsilon: it keeps r0 finite at the start of a window, where atil = ttil = 0 (then r0 = 1
// exactly), and whenever a trace vanishes. Some implementations write
// sqrt(|ttil| / (|J atil| + eps)) + eps instead; here eps sits in numerator and denominator
// so that r0 -> 1, not -> eps, on zero traces. Any positive r0, r1 keep the estimate
// unbiased, so eps only changes its variance (negligibly at 1e-7 against O(1) norms).
//
// Random draws: at step t (counted from 0 at reset()) one [B, n] tensor of signs from
// ops::random_signs(nu, noise_seed, t): nu[b, i] is Philox word b * n + i of
// (noise_seed, RandomStream::algorithm, t), so sequence b's signs do not depend on B.
//
// Cost per sequence and step: O(n^2 + nk) (one J_t atil product without forming J_t, two
// nk-sized updates and norms); state: atil, ttil and three n-vectors of scratch.
struct UoroConfig {
  double epsilon = 1e-7;
};
const ParamTable<UoroConfig>& uoro_params();

class Uoro : public StochasticRule {
 public:
  Uoro(const RateRnnConfig& config, DType dtype, Device device, const UoroConfig& uoro)
      : StochasticRule(config, dtype, device), epsilon_(uoro.epsilon) {}
  std::string id() const override { return "uoro"; }
  std::map<std::string, std::string> config() const override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  double epsilon_;
  Tensor atil_, ttil_;          // [B, n], [B, n, k]
  Tensor next_atil_, nu_, nu_D_;  // [B, n] scratch: J atil (then the new atil), nu, nu * D
  Tensor weights_;              // [B] double scratch: c_t . atil_t of every sequence
};

}  // namespace tca
