// e-prop on the spiking network (Bellec et al. 2020, Nat Commun 11:3625, "A solution to the
// learning dilemma for recurrent networks of spiking neurons", Methods): eligibility traces
// of the LIF/ALIF neurons, the readout filter applied to them, and a learning signal through
// symmetric, random or adaptive (Kolen-Pollack) feedback.
#pragma once

#include <vector>

#include "algorithms/lif_rule.h"
#include "core/param_table.h"

namespace tca {

// Per synapse (j, i) with presynaptic vector zhat_t = [z_{t-1}; x_t] (models/lif_rnn.h):
//   zbar_t   = alpha zbar_{t-1} + zhat_t                          (eps^v: the filtered presynaptic input)
//   eps^a_t  = psi_{t-1} zbar_{t-1} + (rho - psi_{t-1} beta_j) eps^a_{t-1}
//   e_t      = psi_t (zbar_t - beta_j eps^a_t)                    (LIF neurons: beta = 0, e = psi zbar)
//   ebar_t   = kappa ebar_{t-1} + e_t                             (the readout filter, on the trace)
//   gW      += diag(L_t) ebar_t,   L_t = g B e_t                  (task loss; g the readout filter's gain)
//   gW      += diag(reg) sum_{t,b} e_t   at the window's end       (firing-rate regulariser)
// The trace is the derivative of z_t with respect to W_ji through the neuron's own state (v, a)
// only, with z_{t-1} held constant in the recurrent input and the reset; the learning signal is
// dL/dzf_t through the readout times g (c_t = g W_out^T e_t for B = W_out^T) and, since zf_t sums
// g z_s with weight kappa^{t-s}, sum_t c_t^T ebar_t equals sum_s (sum_{t>=s} kappa^{t-s} c_t) e_s. The
// regulariser's signal dR/dz_j (models/lif_rnn.h) is the neuron's own, needs no feedback, and is
// known once the window's rate is: it is applied to the unfiltered trace sum at the end (as in
// Bellec et al.'s code, which uses the window's mean rate).
// Feedback B (n x o): symmetric B = W_out^T (eprop); random, a fixed matrix drawn like rflo's
// (algorithms/local_trace.h: random_feedback_matrix, Philox stream "feedback") (eprop_random);
// adaptive (Kolen-Pollack, eprop_adaptive): starts as the random matrix and receives the same
// update as W_out^T with the same weight decay, B += dW_out^T - d (B - W_out^T), so B - W_out^T
// decays by (1 - d) per training step (follow_training_step). At a frozen probe point it is the
// B the training run has led to: with the probe's training (Adam, no weight decay) that is
// B_0 + (W_out - W_out,0)^T, equal to eprop_random's matrix at step 0.
enum class LifFeedback { symmetric, random, adaptive };

// How B_0 is drawn: the hyperparameters of eprop_random and eprop_adaptive. Entries are
// N(0, scale^2 / n) by default, the variance of W_out at initialisation, so that the random
// learning signal has the scale of the exact one; Bellec et al.'s code draws N(0, 1)
// (numpy.random.randn in tutorial_evidence_accumulation_with_alif.py), which is `init` unit.
enum class LifFeedbackInit { readout, unit };
struct LifFeedbackConfig {
  LifFeedbackInit init = LifFeedbackInit::readout;
  double scale = 1.0;
  uint64_t seed = 0;
};
const ParamTable<LifFeedbackConfig>& lif_feedback_params();

class LifEprop final : public LifRule {
 public:
  LifEprop(const LifRnnConfig& config, DType dtype, Device device, LifFeedback feedback,
           const LifFeedbackConfig& matrix = {});
  std::string id() const override;
  std::map<std::string, std::string> config() const override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;
  bool follows_training() const override { return feedback_ == LifFeedback::adaptive; }
  void follow_training_step(const std::vector<double>& W_outb_before, const std::vector<double>& W_outb_after,
                            double weight_decay) override;
  // The feedback matrix B (n x o, row-major host doubles) of random and adaptive feedback;
  // set_feedback_matrix replaces it (from the next window on).
  const std::vector<double>& feedback_matrix() const;
  void set_feedback_matrix(const std::vector<double>& B);

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const LifStepState& s) override;
  void finish_window(const Tensor& reg) override;

  LifFeedback feedback_;
  LifFeedbackConfig matrix_;  // how B_0 is drawn (random and adaptive feedback)
  std::vector<double> B_host_;        // n x o (random and adaptive feedback)
  Tensor B_fb_;                       // [n, o] on the device, uploaded at reset
  Tensor eps_a_, ebar_;               // [B, n, k]
  Tensor esum_;                       // [n, k], with the regulariser only
  Tensor zbar_, zbar_prev_;           // [B, k]
  Tensor psi_prev_;                   // [B, n]
  Tensor signal_;                     // [B, n] L_t = e_t B^T (random and adaptive feedback)
};

}  // namespace tca
