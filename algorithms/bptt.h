// Exact backpropagation through time: the reference every other rule is measured against.
#pragma once

#include <vector>

#include "algorithms/rate_rule.h"

namespace tca {

// Stores ahat_t, phi'(h_t) and c_t of every step, then in finish() runs
//   delta_t = c_t + J_{t+1}^T delta_{t+1},   gW += (D_t delta_t) ahat_t^T,   D_t = alpha diag phi'(h_t)
// backwards from the window's last step, with J_{t+1}^T delta = (1-alpha) delta + W_rec^T D_{t+1} delta.
// With a truncation window h (used by tbptt, algorithms/tbptt.h) the same backward pass runs
// every h steps over the h steps stored since the last one (and in finish() over the rest).
class Bptt : public RateRule {
 public:
  Bptt(const RateRnnConfig& config, DType dtype, Device device) : RateRule(config, dtype, device) {}
  std::string id() const override { return "bptt"; }
  void finish() override;
  bool supports_online_updates() const override { return false; }  // its gradient comes in finish()
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 protected:
  // Truncated to chunks of `truncation` >= 1 steps.
  Bptt(const RateRnnConfig& config, DType dtype, Device device, int truncation)
      : RateRule(config, dtype, device), truncation_(truncation) {}
  int truncation() const { return truncation_; }

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;
  void backward();  // over the steps stored, from the last back; empties the store

  int truncation_ = 0;  // 0: the whole window (exact)
  int steps_ = 0;  // steps stored in this window (chunk)
  std::vector<Tensor> ahat_, dphi_, c_;  // one [B, .] tensor per step, reused across windows
  Tensor delta_, scaled_delta_;          // [B, n]
};

}  // namespace tca
