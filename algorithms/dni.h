// Synthetic gradients, DNI (Jaderberg et al. 2017, ICML, "Decoupled neural interfaces using
// synthetic gradients"), for the recurrent network as Marschall et al.'s vanilla-rtrl
// implements it (learning_algorithms/DNI.py): a linear module predicts the credit of the state,
// dL_{>=t}/da_t, from the state and the label, and the weights follow that prediction through one
// step of the network; the module learns online by bootstrapping its own prediction one step
// ahead.
//
// In the notation of models/rate_rnn.h, per sequence, with atil_t = [a_t; y*_t; 1] (n + o + 1;
// y*_t the step's target) and A the module's weights (n x (n + o + 1)):
//   sg_t   = A atil_t                                            (predicted dL_{>=t}/da_t)
//   gW    += (alpha D_t sg_t) ahat_t^T                           (D = diag(phi'(h_t)))
// and, while the rule adapts, from the second step of a sequence on:
//   c*_t   = c_{t-1} + J_t^T Abar atil_t                         (bootstrapped target for sg_{t-1})
//   A     -= lr / B sum_b (A atil_{t-1} - c*_t) atil_{t-1}^T
// with c_t = W_out^T e_t the step's own error, J_t = (1 - alpha) I + alpha D_t W_rec the exact
// Jacobian of a_t by a_{t-1}, and Abar a copy of A refreshed every `refresh` steps (vanilla-rtrl's
// fix_A_interval, 5). A starts at N(0, init_scale^2 / (n + o + 1)) draws (Philox stream
// "feedback", init_seed), as vanilla-rtrl draws it.
// With the exact credit in place of sg_t the estimate is BPTT's (tested through the
// synthetic_gradient hook); without recurrence (W_rec = 0, alpha = 1) the exact credit is c_t,
// linear in atil_t for MSE, and the module learns it.
// The learned A persists across windows; training adapts it on every window; the probe lets it
// adapt and then freezes it (algorithms/kernl.h describes the protocol).
//
// jacobian=learned: the local version of Marschall, Cho & Savin (2019, "Using local plasticity
// rules to train recurrent neural networks"; vanilla-rtrl's use_approx_J). The exact J_t needs
// W_rec^T and phi'(h_t) at the neuron that receives the credit; the local version replaces it by
// a matrix J learned, while the rule adapts, as a linear prediction of the state from its
// predecessor:
//   J     -= jacobian_lr / B sum_b (J a_{t-1} - a_t) a_{t-1}^T     (before the target is formed)
//   c*_t   = c_{t-1} + J^T Abar atil_t
// J starts at W_rec as the rule first sees it and persists, adapts and freezes with A. In the
// paper's reading of these equations each neuron has segregated compartments: the soma carries
// a_t, an apical compartment the predicted credit sg_t (A's synapses) and another the
// bootstrapped target; A, J and W are updated in separate phases of each step by rules that use
// only the pre- and postsynaptic values of their own compartments. The arithmetic is the one
// above; the compartments are its interpretation. DNI(b)'s extra nonlinearity on the target
// (vanilla-rtrl's SG_label_activation) is not implemented: its form is not published in the code.
// At W_rec = 0 and alpha = 1 the exact Jacobian is 0 = W_rec, so with jacobian_lr = 0 the local
// version equals the exact one (tested).
#pragma once

#include <cstdint>

#include "algorithms/rate_rule.h"
#include "core/param_table.h"

namespace tca {

struct DniConfig {
  double lr = 1e-2;        // learning rate of the module
  int refresh = 5;         // steps between copies of A into the bootstrapping copy Abar
  double init_scale = 1.0;  // A's initial entries ~ N(0, init_scale^2 / (n + o + 1))
  uint64_t init_seed = 0;  // seed of A's initial draws
  bool learned_jacobian = false;  // jacobian=learned: the local version (above)
  double jacobian_lr = 1e-2;      // learning rate of the learned Jacobian J
};
const ParamTable<DniConfig>& dni_params();

class Dni : public RateRule {
 public:
  Dni(const RateRnnConfig& config, DType dtype, Device device, const DniConfig& dni);
  std::string id() const override { return "dni"; }
  std::map<std::string, std::string> config() const override;
  bool adapts() const override { return true; }
  void set_adapting(bool adapting) override { adapting_ = adapting; }
  void attach_batch(const DeviceBatch& batch) override { batch_ = &batch; }
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;
  // The module's weights A (n x (n + o + 1), row-major host doubles); the setter replaces them
  // (and the bootstrapping copy).
  std::vector<double> module() const { return A_.to_host(); }
  void set_module(const std::vector<double>& A);
  // The learned Jacobian J (n x n, row-major host doubles); empty before the first window or
  // with jacobian=exact.
  std::vector<double> learned_jacobian() const { return J_.defined() ? J_.to_host() : std::vector<double>{}; }

 protected:
  // sg = the predicted credit of step t ([B, n]) from atil = [a_t; y*_t; 1]: atil A^T. A test
  // hook: tests put the exact credit here.
  virtual void synthetic_gradient(Tensor& sg, const Tensor& atil, int t);

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void continue_state(uint64_t /*noise_seed*/) override { step_ = 0; }  // a stream's next window
  void accumulate(const StepState& s) override;
  void learn(const StepState& s);
  void learn_jacobian(const StepState& s);

  DniConfig dni_;
  bool adapting_ = true;
  const DeviceBatch* batch_ = nullptr;
  Tensor A_, A_bar_;                  // [n, n + o + 1]
  Tensor J_;                          // [n, n], jacobian=learned only
  Tensor atil_, atil_prev_;           // [B, n + o + 1]
  Tensor sg_, c_prev_, target_, work_;  // [B, n]
  bool has_prev_ = false;
  int step_ = 0;                      // step within the window
  int64_t refresh_count_ = 0;         // adaptation steps since A_bar_ was last refreshed
};

}  // namespace tca
