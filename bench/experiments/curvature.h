// The sharpness of the loss where a training run ends (Liu et al. 2022, "Beyond accuracy:
// generalization properties of bio-plausible temporal credit assignment rules", NeurIPS): the
// top eigenvalue of the Hessian of a window's loss with respect to all parameters, by power
// iteration on Hessian-vector products. Each product is a central difference of exact gradients
// (BPTT in double):
//   H v ~ (g(theta + eps v) - g(theta - eps v)) / (2 eps),   |v| = 1,
// whose error is O(eps^2) from the third derivatives and O(1e-16 / eps) from rounding;
// eps = 1e-4 (1 + |theta| / sqrt(P)) balances them for parameters of order one.
// Power iteration v <- H v / |H v| converges to the eigenvector of the eigenvalue of largest
// magnitude; the reported value is the Rayleigh quotient v . H v (signed). Only parameters move
// (the learner's parameter groups: the spiking network's W_rec diagonal is none).
#pragma once

#include <cstdint>
#include <vector>

#include "algorithms/learner.h"
#include "core/batch.h"

namespace tca {

struct Curvature {
  double top_eigenvalue = 0;  // the Rayleigh quotient at the last iterate
  int iterations = 0;         // power iterations taken
  bool converged = false;     // the quotient changed by less than `tolerance` (relative) in the last one
};

// exact: a learner with rule bptt in double on the CPU (its parameters are overwritten);
// theta: the parameters as host doubles [W | W_outb]; the loss is that of `batch`; the start
// vector is drawn from `seed`.
Curvature top_hessian_eigenvalue(Learner& exact, const std::vector<double>& theta, const Batch& batch, uint64_t seed,
                                 int max_iterations = 50, double tolerance = 1e-4);

}  // namespace tca
