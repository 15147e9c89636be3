// Exact backpropagation through time: the reference every other rule is measured against.
#pragma once

#include <vector>

#include "algorithms/algorithm.h"

namespace tca {

// Stores ahat_t, phi'(h_t) and c_t of every step, then in finish() runs
//   delta_t = c_t + J_{t+1}^T delta_{t+1},   gW += (D_t delta_t) ahat_t^T,   D_t = alpha diag phi'(h_t)
// backwards from the window's last step, with J_{t+1}^T delta = (1-alpha) delta + W_rec^T D_{t+1} delta.
class Bptt : public Algorithm {
 public:
  Bptt(const RateRnnConfig& config, DType dtype, Device device) : Algorithm(config, dtype, device) {}
  std::string id() const override { return "bptt"; }
  void finish() override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;

  int steps_ = 0;  // steps stored in this window
  std::vector<Tensor> ahat_, dphi_, c_;  // one [B, .] tensor per step, reused across windows
  Tensor delta_, scaled_delta_;          // [B, n]
};

}  // namespace tca
