// The base of the learning rules on the spiking network (models/lif_rnn.h).
//
// As on the rate network (algorithms/rate_rule.h), a rule sees each step's forward quantities
// (LifStepState) and accumulates an estimate of the gradient of the window's objective L + R
// with respect to W = [W_rec | W_in] and W_outb = [W_out | b_out], parameters frozen. The readout
// gradient is exact for every rule, sum_t e_t [zf_t; 1]^T, accumulated here; the diagonal of the
// W_rec block is no parameter and is set to 0 in every rule's gradient. Rules differ in how they
// estimate the rest: sum_s (sum_{t>=s} kappa^{t-s} c_t)^T dz_s/dW (task loss) plus
// sum_{s,b} reg^T dz_s/dW (regulariser), where c_t = g W_out^T e_t (g the readout filter's input
// gain) and reg = dR/dz (models/lif_rnn.h).
#pragma once

#include <cstdint>
#include <string>

#include "algorithms/rule.h"
#include "models/lif_rnn.h"

namespace tca {

class LifRule : public Rule {
 public:
  // W_rec's diagonal must be 0.
  void reset(const NetworkParams& params, int batch_size, uint64_t noise_seed) override;
  void step(const Network& network) override;
  // The same, from the spiking network's step quantities directly.
  void step(const LifStepState& s);
  // Ends the window: adds the regulariser's part and whatever the rule computes at the end.
  void finish() final;
  // The regulariser's part needs the whole window's spike counts.
  bool supports_online_updates() const override { return false; }
  std::string window_only_reason() const override {
    return "on the spiking network adds its regulariser's part at the end of the window";
  }

 protected:
  LifRule(const LifRnnConfig& config, DType dtype, Device device);
  virtual void reset_state(int batch_size, uint64_t noise_seed) = 0;
  virtual void accumulate(const LifStepState& s) = 0;
  // The end of the window. reg: [n] the regulariser's learning signal dR/dz_j^{t,b} (the same
  // for every t and b), or an undefined tensor when rate_reg = 0.
  virtual void finish_window(const Tensor& reg) = 0;
  bool regularised() const { return config_.rate_reg > 0; }

  LifRnnConfig config_;

 private:
  const LifStepState* last_ = nullptr;  // the model's state, valid for the window
  int steps_ = 0;
  Tensor ones_;  // [B] of 1
  Tensor reg_;   // [n]
};

}  // namespace tca
