#include "algorithms/weight_perturbation.h"

#include <numeric>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

namespace {

double total(const std::vector<double>& losses) { return std::accumulate(losses.begin(), losses.end(), 0.0); }

}  // namespace

std::map<std::string, std::string> WeightPerturbation::config() const {
  return weight_perturbation_params().text(perturbation_);
}

void WeightPerturbation::finish() {
  const int n = config_.n, k = config_.k();
  const double sigma = perturbation_.sigma;
  std::vector<double> xi(static_cast<size_t>(n) * k);
  Philox rng(noise_seed_, RandomStream::algorithm, 0);
  for (double& x : xi) x = sigma * rng.normal();
  xi_ = Tensor::from_host(xi, {n, k}, dtype_, device_);
  if (!moved_.W.defined()) moved_.W = Tensor({n, k}, dtype_, device_);
  moved_.W_outb = params_->W_outb;
  auto loss_at = [&](double sign) {  // L(W + sign xi)
    ops::copy(moved_.W, params_->W);
    ops::axpy(sign, xi_, moved_.W);
    return total(run_pass(moved_));
  };
  const double plus = loss_at(1.0);
  const double coefficient = perturbation_.central ? (plus - loss_at(-1.0)) / (2 * sigma * sigma)
                                                   : (plus - total(run_pass(*params_))) / (sigma * sigma);
  ops::axpy(coefficient, xi_, grad_.W);
}

size_t WeightPerturbation::state_bytes(int /*T*/) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n, k = config_.k(), o = config_.o;
  const size_t network = B * (k + 3 * n + (n + 1) + 3 * o);  // the rule's copy of the network
  return (2 * n * k + network) * dtype_size(dtype_);
}

double WeightPerturbation::flops_per_step() const {
  const double n = config_.n, k = config_.k(), o = config_.o;
  const double forward = 2 * n * k + 2 * o * (n + 1) + 2 * o * n + 10 * n;
  return 2 * forward;  // the perturbed and the baseline (or the two perturbed) passes
}

const ParamTable<PerturbationConfig>& weight_perturbation_params() {
  static const auto table =
      ParamTable<PerturbationConfig>()
          .positive("sigma", &PerturbationConfig::sigma, 1e3, "standard deviation of the noise on every entry of W")
          .choice("difference", &PerturbationConfig::central, {{"forward", false}, {"central", true}},
                  "forward: (L(W + xi) - L(W)) xi / sigma^2; central: (L(W + xi) - L(W - xi)) xi / (2 sigma^2)");
  return table;
}

const RuleInfo& weight_perturbation_info() {
  static const RuleInfo info{
      "weight_perturbation",
      "weight perturbation (Jabri & Flower 1992): one Gaussian noise matrix xi on W per window, gW = (L(W + xi) - "
      "L(W)) xi / sigma^2; unbiased as sigma -> 0",
      false, weight_perturbation_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_weight_perturbation(const RateRnnConfig& config, DType dtype, Device device,
                                                   const Params& params) {
  return std::make_unique<WeightPerturbation>(config, dtype, device, weight_perturbation_params().read(params));
}

}  // namespace tca
