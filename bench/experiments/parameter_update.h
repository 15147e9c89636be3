// The one optimiser of training runs and of the probe's training run: SGD or Adam (Kingma & Ba
// 2015, beta1 = 0.9, beta2 = 0.999, eps = 1e-8) on a network's two parameter tensors, on their
// device, with optional clipping of the global gradient norm.
#pragma once

#include <cstdint>
#include <vector>

#include "algorithms/rule.h"
#include "models/network.h"

namespace tca {

enum class Optimizer { sgd, adam };

class ParameterUpdate {
 public:
  // Updates params in place (they must outlive this object, as must `network`). clip: the
  // largest global norm applied (0: no clipping). network: whose constraints (Dale's law) every
  // update is followed by (Network::constrain).
  ParameterUpdate(Optimizer kind, double lr, double clip, NetworkParams& params, const Network& network);
  // Applies g and returns its global norm before clipping. A non-finite norm applies nothing
  // (the caller reports divergence); nor does a zero gradient (a step without loss in online
  // learning), which would otherwise move Adam's parameters on momentum alone.
  double apply(const Gradients& g);

 private:
  Optimizer kind_;
  double lr_, clip_;
  NetworkParams& params_;
  const Network& network_;
  std::vector<Tensor> moments_;  // Adam: m and v of W, then of W_outb
  int64_t steps_ = 0;
};

}  // namespace tca
