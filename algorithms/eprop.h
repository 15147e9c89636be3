// e-prop for the leaky rate network (Bellec et al. 2020, Nat Commun 11:3625, "A solution to the
// learning dilemma for recurrent networks of spiking neurons"; the rate/LSTM form of its Methods).
#pragma once

#include "algorithms/local_trace.h"

namespace tca {

// Bellec et al. factor the gradient as dE/dW_ji ~ sum_t L_j^t e_ji^t with the eligibility trace
// built from the neuron-local hidden-state Jacobian only,
//   eps_ji^t = (d h_j^t / d h_j^{t-1}) eps_ji^{t-1} + d h_j^t / d W_ji,   e_ji^t = (d z_j^t / d h_j^t) eps_ji^t,
// and the learning signal L_j^t = sum_k B_jk (y_k^t - y*_k^t) (symmetric: B = W_out^T; random).
// Here the neuron's state and output are both a_t, so e = eps and, in docs/design.md's notation,
//   E_t = diag(J_t) (.) E_{t-1} + D_t ahat_t^T,   diag(J_t)_i = (1 - alpha) + alpha phi'(h_t,i) W_rec[i,i],
//   gW += diag(L_t) E_t,   L_t = B e_t,
// where the self-connection W_rec[i,i] counts as part of the neuron-local dynamics (the
// choice made here). With this choice e-prop with symmetric feedback is exactly SnAp-1
// (algorithms/snap1.h): both share the trace code in algorithms/local_trace.h.
// Defaults: feedback=symmetric. Deterministic (a random B is fixed by feedback_seed).
class Eprop final : public LocalTraceRule {
 public:
  Eprop(const RateRnnConfig& config, DType dtype, Device device, const FeedbackConfig& feedback)
      : LocalTraceRule(config, dtype, device, TraceDecay::jacobian_diagonal, feedback) {}
  std::string id() const override { return "eprop"; }
};

}  // namespace tca
