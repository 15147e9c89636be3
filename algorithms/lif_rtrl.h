// Real-time recurrent learning on the spiking network: exact (with the pseudo-derivative),
// forward in time.
#pragma once

#include "algorithms/lif_rule.h"

namespace tca {

// Carries the influence M_t = d[v_t; a_t]/dW (2n x nk, k = n + m) of every sequence and that of
// the filtered spikes, Mz_t = dzf_t/dW (n x nk):
//   M_t  = J_t M_{t-1} + Mbar_t,   Mbar_t[v_j, (j, i)] = [z_{t-1}; x_t]_i   (a rows: 0)
//   J_t  = d[v_t; a_t]/d[v_{t-1}; a_{t-1}] through z_{t-1} (ops::lif_jacobian, from psi_{t-1})
//   dz_t = diag(psi_t) (M^v_t - diag(beta) M^a_t)
//   Mz_t = kappa Mz_{t-1} + dz_t,   gW += c_t^T Mz_t,   Zsum += dz_t
// and at the end of the window the regulariser's part gW += reg^T Zsum (Zsum summed over the
// batch, only with rate_reg > 0). J_t M_{t-1} is one strided-batched GEMM for all sequences.
class LifRtrl final : public LifRule {
 public:
  LifRtrl(const LifRnnConfig& config, DType dtype, Device device) : LifRule(config, dtype, device) {}
  std::string id() const override { return "rtrl"; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const LifStepState& s) override;
  void finish_window(const Tensor& reg) override;

  Tensor M_, M_next_;  // [B, 2n, n k]
  Tensor J_;           // [B, 2n, 2n]
  Tensor Mz_;          // [B, n, n k]
  Tensor Zsum_;        // [n, n k], with the regulariser only
  Tensor psi_prev_;    // [B, n] psi_{t-1}
  Tensor ones_;        // [B, n] of 1: the immediate influence's unit scale
};

}  // namespace tca
