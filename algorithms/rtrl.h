// Real-time recurrent learning (Williams & Zipser 1989): exact, forward in time.
#pragma once

#include "algorithms/rate_rule.h"

namespace tca {

// Carries the influence matrix M_t = dA_t/dW (n x nk) of every sequence:
//   M_t = J_t M_{t-1} + Mbar_t,  J_t = (1-alpha) I + alpha diag(phi'(h_t)) W_rec,
//   Mbar_t = D_t (x) ahat_t^T,   gW += c_t^T M_t.
// J_t is formed explicitly (n x n, cheap) so the O(n^4) part is exactly one GEMM per sequence,
// and the gradient rides along as one extra row of it:
//   [J_t; c_t^T J_t] M_{t-1} = [J_t M_{t-1}; c_t^T J_t M_{t-1}],
//   c_t^T M_t = c_t^T J_t M_{t-1} + c_t^T Mbar_t,  c_t^T Mbar_t = alpha (c_t * phi'(h_t)) ahat_t^T,
// so M is read once per step instead of twice (the influence buffers carry that scratch row).
// Every sequence's products go in one strided-batched GEMM: a handful of calls per step
// whatever the batch size (one cuBLAS launch each on the GPU).
class Rtrl : public RateRule {
 public:
  Rtrl(const RateRnnConfig& config, DType dtype, Device device) : RateRule(config, dtype, device) {}
  std::string id() const override { return "rtrl"; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  Tensor M_, M_next_;  // [B, n + 1, n*k]: M_t in rows 0..n-1, row n scratch
  Tensor J_aug_;       // [B, n + 1, n]: J_t and c_t^T J_t of every sequence
  Tensor c_dphi_;      // [B, n]: alpha c_t * phi'(h_t)
  Tensor ones_;        // [B] of 1: sums the gradient rows over sequences
};

}  // namespace tca
