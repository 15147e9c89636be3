// Weight perturbation on the rate network (Jabri & Flower 1992; analysed against node
// perturbation by Werfel, Xie & Seung 2005): each window one noise matrix xi ~ N(0, sigma^2)
// over every entry of W, shared by the batch, and
//   gW = (L(W + xi) - L(W)) / sigma^2 xi                          (difference=forward)
//   gW = (L(W + xi) - L(W - xi)) / (2 sigma^2) xi                 (difference=central)
// with L the window's loss. E[(xi^T g) xi] = sigma^2 g, and the quadratic term's contribution
// (xi^T H xi) xi has mean 0 (odd moments of a Gaussian), so both are unbiased up to O(sigma^2).
// Its variance grows with the number of parameters n k (Werfel et al.: slower than node
// perturbation by a factor of the number of inputs per unit).
// Draws: xi's entry (i, j) is normal draw i k + j of the window's Philox stream, times sigma.
// Cost: two forward passes (three, central); state: xi and the perturbed W.
#pragma once

#include <vector>

#include "algorithms/perturbation_rule.h"

namespace tca {

const ParamTable<PerturbationConfig>& weight_perturbation_params();

class WeightPerturbation final : public PerturbationRule {
 public:
  WeightPerturbation(const RateRnnConfig& config, DType dtype, Device device, const PerturbationConfig& perturbation)
      : PerturbationRule(config, dtype, device), perturbation_(perturbation) {}
  std::string id() const override { return "weight_perturbation"; }
  std::map<std::string, std::string> config() const override;
  void finish() override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  PerturbationConfig perturbation_;
  Tensor xi_;             // [n, k]
  NetworkParams moved_;   // W +- xi, the readout shared with the window's parameters
};

}  // namespace tca
