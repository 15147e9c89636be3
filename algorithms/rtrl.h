// Real-time recurrent learning (Williams & Zipser 1989): exact, forward in time.
#pragma once

#include "algorithms/algorithm.h"

namespace tca {

// Carries the influence matrix M_t = dA_t/dW (n x nk) of every sequence:
//   M_t = J_t M_{t-1} + Mbar_t,  J_t = (1-alpha) I + alpha diag(phi'(h_t)) W_rec,
//   Mbar_t = D_t (x) ahat_t^T,   gW += c_t^T M_t.
// J_t is formed explicitly (n x n, cheap) so the O(n^4) part is exactly one GEMM per sequence.
class Rtrl : public Algorithm {
 public:
  Rtrl(const RateRnnConfig& config, DType dtype, Device device) : Algorithm(config, dtype, device) {}
  std::string id() const override { return "rtrl"; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  Tensor M_, M_next_;  // [B, n, n*k]
  Tensor J_;           // [n, n] scratch
};

}  // namespace tca
