// Random-feedback local online learning, RFLO (Murray 2019, eLife 8:e43299, "Local online
// learning in recurrent networks with random feedback").
#pragma once

#include "algorithms/local_trace.h"

namespace tca {

// Murray's eqs. for the leaky network tau dh/dt = -h + phi(u) in discrete time (1/tau = alpha),
// written in this code base's notation (docs/design.md):
//   p_t = (1 - alpha) p_{t-1} + alpha phi'(h_t) ahat_t^T,   i.e. E_t = (1 - alpha) E_{t-1} + D_t ahat_t^T
//   dW  ~ (B eps_t) p_t,  eps = -e,                         i.e. gW += diag(L_t) E_t,  L_t = B_fb e_t
// The trace keeps only the leak of the recurrent Jacobian (J_t ~ (1 - alpha) I) and the learning
// signal replaces W_out^T by a fixed random B_fb (feedback=random, Murray's rule; default) or
// keeps it (feedback=symmetric). Exact when J_t is the leak alone, i.e. W_rec = 0 (with
// symmetric feedback). Deterministic: B_fb is fixed by feedback_seed, not by the noise seed.
// Per sequence: an n x k trace; per step O(nk).
class Rflo final : public LocalTraceRule {
 public:
  Rflo(const RateRnnConfig& config, DType dtype, Device device, const FeedbackConfig& feedback)
      : LocalTraceRule(config, dtype, device, TraceDecay::leak, feedback) {}
  std::string id() const override { return "rflo"; }
};

}  // namespace tca
