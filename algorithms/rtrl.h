// Real-time recurrent learning (Williams & Zipser 1989): exact, forward in time.
#pragma once

#include "algorithms/rate_rule.h"
#include "core/param_table.h"
#include "kernels/ops.h"

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
//
// influence_product=tf32 (float only) takes that GEMM's inputs, J_t and M_{t-1}, at TF32
// precision (10 mantissa bits): the GPU's tensor cores, ~7x cuBLAS's FP32 rate on an H100 or
// H200, or the CPU's emulation of them by truncation. The rule is then no longer exact: the
// probe measures how far it moves from BPTT (docs/rules.md#rtrl-in-tf32).
struct RtrlConfig {
  ops::MatmulPrecision influence_product = ops::MatmulPrecision::full;
};
const ParamTable<RtrlConfig>& rtrl_params();

class Rtrl : public RateRule {
 public:
  Rtrl(const RateRnnConfig& config, DType dtype, Device device, const RtrlConfig& rtrl = {})
      : RateRule(config, dtype, device), influence_product_(rtrl.influence_product) {}
  std::string id() const override { return "rtrl"; }
  std::map<std::string, std::string> config() const override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  Tensor M_, M_next_;  // [B, n + 1, n*k]: M_t in rows 0..n-1, row n scratch
  Tensor J_aug_;       // [B, n + 1, n]: J_t and c_t^T J_t of every sequence
  Tensor c_dphi_;      // [B, n]: alpha c_t * phi'(h_t)
  Tensor ones_;        // [B] of 1: sums the gradient rows over sequences
  ops::MatmulPrecision influence_product_;
};

}  // namespace tca
