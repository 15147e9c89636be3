// Exact backpropagation through time of the spiking network with the pseudo-derivative
// (dz_t/dv_t := psi_t): the reference every rule on the spiking network is measured against.
#pragma once

#include <vector>

#include "algorithms/lif_rule.h"
#include "algorithms/lif_window_record.h"
#include "core/param_table.h"

namespace tca {

// Stores [z_{t-1}; x_t], psi_t and c_t of every step, then in finish() runs the adjoints of
// models/lif_rnn.h's equations backwards from the window's last step (all zero beyond it):
//   gzf_t = c_t + kappa gzf_{t+1}                                      (dL/dzf_t)
//   gz_t  = gzf_t + reg + W_rec^T gv_{t+1} - v_th gv_{t+1} + ga_{t+1}   (dL/dz_t: readout, regulariser,
//                                                                        recurrent input, reset, adaptation)
//   gv_t  = psi_t gz_t + alpha gv_{t+1}
//   ga_t  = -beta psi_t gz_t + rho ga_{t+1}
//   gW   += gv_t [z_{t-1}; x_t]^T
// With stop_gradient=recurrent the terms W_rec^T gv_{t+1} and -v_th gv_{t+1} are dropped: the
// gradient of the network with z_{t-1} held constant in the recurrent input and the reset (the
// adaptation a_t = rho a_{t-1} + z_{t-1} keeps it). That is the graph e-prop's factorisation
// differentiates exactly: with symmetric feedback e-prop equals it (tests/test_lif_rules.cpp).
struct LifBpttConfig {
  bool stop_recurrent = false;  // stop_gradient=recurrent
};
const ParamTable<LifBpttConfig>& lif_bptt_params();

class LifBptt final : public LifRule {
 public:
  LifBptt(const LifRnnConfig& config, DType dtype, Device device, const LifBpttConfig& bptt)
      : LifRule(config, dtype, device), stop_recurrent_(bptt.stop_recurrent) {}
  std::string id() const override { return "bptt"; }
  std::map<std::string, std::string> config() const override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const LifStepState& s) override;
  void finish_window(const Tensor& reg) override;

  bool stop_recurrent_;
  LifWindowRecord record_;
  Tensor gv_, ga_, gzf_, gz_rec_;  // [B, n]
};

}  // namespace tca
