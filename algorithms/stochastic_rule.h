// Base of the rules that draw fresh random signs every step (uoro, kf_rtrl, rkf_rtrl): it
// keeps the window's noise seed and the step counter that keys the Philox draws.
#pragma once

#include <cstdint>

#include "algorithms/algorithm.h"
#include "kernels/ops.h"

namespace tca {

class StochasticRule : public Algorithm {
 public:
  bool stochastic() const override { return true; }

 protected:
  using Algorithm::Algorithm;

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
  // This step's signs (call once per step); the next call draws the next step's.
  void draw_step_signs(Tensor& signs) { draw_signs(signs, noise_seed_, step_++); }

 private:
  uint64_t noise_seed_ = 0;
  uint64_t step_ = 0;  // steps since the window began: the Philox counter of the draws
};

}  // namespace tca
