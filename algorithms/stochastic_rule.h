// Base of the rules that draw fresh random signs every step (uoro, kf_rtrl, rkf_rtrl): it
// keeps the window's noise seed and the step counter that keys the Philox draws.
#pragma once

#include <cstdint>
#include <vector>

#include "algorithms/rate_rule.h"
#include "kernels/ops.h"

namespace tca {

class StochasticRule : public RateRule {
 public:
  bool stochastic() const override { return true; }

 protected:
  using RateRule::RateRule;

  // Fills `signs` with the draws of step `step`: ops::random_signs(signs, noise_seed, step).
  // A test hook: tests override it with deliberately broken noise (stale or correlated signs)
  // to check that the statistical tests detect the resulting bias. The registry only builds
  // the rules themselves.
  virtual void draw_signs(Tensor& signs, uint64_t noise_seed, uint64_t step) {
    ops::random_signs(signs, noise_seed, step);
  }
  // A new window: the draws restart from step 0 of the new seed (call from reset_state).
  void restart_draws(uint64_t noise_seed) {
    noise_seed_ = noise_seed;
    step_ = 0;
  }
  // A stream's next window: fresh draws from the new seed, the state carried over.
  void continue_state(uint64_t noise_seed) override { restart_draws(noise_seed); }
  // This step's signs (call once per step); the next call draws the next step's.
  void draw_step_signs(Tensor& signs) { draw_signs(signs, noise_seed_, step_++); }

  // The step's per-sequence norms and factors, double tensors on the run's device: norms_
  // [norm_rows, B] and factors_ [factor_rows, B] (row order of kernels/rule_factors.h);
  // norm(r) and factor(r) are row r as a [B] view. They never leave the device, so a step
  // does not wait for the host. (Re)allocated when the batch size changes (call from
  // reset_state), so a step allocates nothing.
  void reset_scalars(int batch_size, int norm_rows, int factor_rows) {
    if (norms_.defined() && norms_.dim(1) == batch_size) return;
    norms_ = Tensor({norm_rows, batch_size}, DType::f64, device_);
    factors_ = Tensor({factor_rows, batch_size}, DType::f64, device_);
    norm_rows_.clear();
    factor_rows_.clear();
    for (int r = 0; r < norm_rows; ++r) norm_rows_.push_back(norms_.slice(r));
    for (int r = 0; r < factor_rows; ++r) factor_rows_.push_back(factors_.slice(r));
  }
  Tensor& norm(int r) { return norm_rows_.at(static_cast<size_t>(r)); }
  const Tensor& factor(int r) const { return factor_rows_.at(static_cast<size_t>(r)); }
  // Bytes of the norms and factors, for state_bytes().
  size_t scalar_bytes(int norm_rows, int factor_rows) const {
    return static_cast<size_t>(B_) * (norm_rows + factor_rows) * sizeof(double);
  }

  Tensor norms_, factors_;

 private:
  std::vector<Tensor> norm_rows_, factor_rows_;
  uint64_t noise_seed_ = 0;
  uint64_t step_ = 0;  // steps since the window began: the Philox counter of the draws
};

}  // namespace tca
