// Miconi's rule on the rate network (T. Miconi 2017, "Biologically plausible learning in
// recurrent neural networks reproduces neural dynamics observed during cognitive tasks", eLife
// 6:e20899; as the author's code implements it: BiologicallyPlausibleLearningRNN, dnms/net.cpp,
// METHOD "DELTAX", MODULTYPE "DECOUPLED"). A reward-modulated Hebbian rule: sparse random kicks
// perturb the units, a trace accumulates a supralinear function of presynaptic activity times
// the postsynaptic unit's fluctuation, and at the end of a trial the trace times the trial's
// error above a running average of past errors is the update. It is a training rule, not an
// estimator of the gradient: the cube has no limit in which its mean is the gradient, and its
// scale is not the gradient's (read its alignment, not its norm).
//
// Each window, on the rule's own perturbed run of the batch (algorithms/perturbation_rule.h),
// per sequence b:
//   xi_{t,i} = kick_size (2 u2 - 1) if u1 < kick_probability, else 0   (u1, u2 ~ U(0, 1))
//   h_t      = W ahat_t + xi_t,  a_t = (1 - alpha) a_{t-1} + alpha tanh(h_t)
//   d_t      = a_t - abar_{t-1},  abar_t = trace_decay abar_{t-1} + (1 - trace_decay) a_t,
//              abar_0 = a_0
//   E_b      = sum_{t >= 1} (d_t ahat_t^T)^3 = sum_{t >= 1} d_t^3 (ahat_t^3)^T   (elementwise)
//   R_b      = B L_b, sequence b's loss on the perturbed run (L_b its share of the window's)
//   gW       = 1/B sum_b (R_b - Rbar_b) E_b
// with Rbar_b the running average of the errors before sequence b, in the batch's order: while
// the rule adapts, Rbar <- baseline_decay Rbar + (1 - baseline_decay) R_b after each sequence.
// Rbar starts at the first sequence's error, persists across windows, adapts during training and
// is frozen for the probe's estimates (algorithms/kernl.h describes the protocol). The update
// W -= lr gW is Miconi's dJ = -eta E (R - Rbar).
// Draws: u1 and u2 of (t, b, i) are uniform draws 2 ((t B + b) n + i) and that + 1 of Philox(noise
// seed, stream "algorithm", 0).
// Defaults are the paper's code's: kick probability 0.003 per unit and step, trace decay 0.05
// (ALPHATRACEEXC), baseline decay 0.75 (ALPHATRACE); kick size 0.5 is its ALPHAMODUL = 16 times
// the dt / tau = 1/30 through which the kick enters its units (the code's "real ALPHAMODUL").
// Deviations, for the benchmark's networks and tasks:
// - Miconi's units integrate their input before the nonlinearity (x leaky, r = tanh x) and the
//   fluctuation is taken on x; ours leak after it, and the fluctuation is taken on the leaky
//   state a. The kick enters the input in both.
// - The error is the task's loss, not the mean |output - target| over the response period.
// - One running baseline; Miconi keeps one per trial type, which our tasks do not tell a rule.
//   His code also multiplies the update by that baseline ("may help to stabilize learning"; not
//   in the paper's equation): with one baseline that only rescales the learning rate, left out.
// - The trace starts at the second step and kicks at the first (Miconi: the fourth and fifth,
//   after the transient of a random initial state; ours start at 0).
// - All of W learns (recurrent, input, bias); Miconi's input weights are fixed. The update is
//   clipped by the trainer's global-norm clip, not per element (his MAXDW = 3e-4).
// - B sequences share one W per window; Miconi updates after every trial (B = 1).
// Cost: one perturbed forward pass plus the cubes; state: d_t^3 and ahat_t^3 for the window.
#pragma once

#include <vector>

#include "algorithms/perturbation_rule.h"

namespace tca {

struct MiconiConfig {
  double kick_probability = 0.003;  // per unit and step
  double kick_size = 0.5;           // kicks are uniform in [-kick_size, kick_size] on the pre-activation
  double trace_decay = 0.05;        // of the running average abar the fluctuation is taken against
  double baseline_decay = 0.75;     // of the running average of the errors
};
const ParamTable<MiconiConfig>& miconi_params();

class Miconi final : public PerturbationRule {
 public:
  Miconi(const RateRnnConfig& config, DType dtype, Device device, const MiconiConfig& miconi)
      : PerturbationRule(config, dtype, device), miconi_(miconi) {}
  std::string id() const override { return "miconi"; }
  std::map<std::string, std::string> config() const override;
  bool adapts() const override { return true; }
  void set_adapting(bool adapting) override { adapting_ = adapting; }
  void finish() override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;
  // The running baseline Rbar (NaN before the first window); the setter fixes it (tests).
  double baseline() const;
  void set_baseline(double baseline);

 private:
  MiconiConfig miconi_;
  bool adapting_ = true;
  bool has_baseline_ = false;
  double baseline_ = 0.0;
  std::vector<double> xi_host_;         // [B, n] one step's kicks
  Tensor xi_, abar_, scratch_n_, weighted_;  // [B, n]
  Tensor scratch_k_;                    // [B, k]
  std::vector<Tensor> d_cubed_, ahat_cubed_;  // per step, [B, n] and [B, k], reused across windows
};

}  // namespace tca
