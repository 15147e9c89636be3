#include "algorithms/random_gradient.h"

#include <cmath>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

void random_direction_of_norm(Tensor& gW, const Tensor& exact_W, int n, bool skip_diagonal, uint64_t noise_seed) {
  const std::vector<double> g = exact_W.to_host();
  const int64_t k = exact_W.dim(1);
  auto is_parameter = [&](size_t index) {
    return !(skip_diagonal && static_cast<int64_t>(index) / k == static_cast<int64_t>(index) % k &&
             static_cast<int64_t>(index) / k < n);
  };
  std::vector<double> xi(g.size(), 0.0);
  Philox rng(noise_seed, RandomStream::algorithm, 0);
  double g_norm = 0.0, xi_norm = 0.0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (!is_parameter(i)) continue;
    xi[i] = rng.normal();
    g_norm += g[i] * g[i];
    xi_norm += xi[i] * xi[i];
  }
  const double scale = xi_norm > 0.0 ? std::sqrt(g_norm / xi_norm) : 0.0;
  for (double& v : xi) v *= scale;
  ops::copy(gW, Tensor::from_host(xi, exact_W.shape(), gW.dtype(), gW.device()));
}

void RandomGradient::reset_state(int batch_size, uint64_t noise_seed) {
  exact_.reset(*params_, batch_size, 0);
  noise_seed_ = noise_seed;
}

void RandomGradient::finish() {
  exact_.finish();
  random_direction_of_norm(grad_.W, exact_.gradient().W, config_.n, false, noise_seed_);
}

size_t RandomGradient::state_bytes(int T) const { return exact_.state_bytes_for(B_, T); }

void LifRandomGradient::reset_state(int batch_size, uint64_t noise_seed) {
  exact_.reset(*params_, batch_size, 0);
  noise_seed_ = noise_seed;
}

void LifRandomGradient::finish_window(const Tensor& /*reg: part of exact_'s gradient*/) {
  exact_.finish();
  random_direction_of_norm(grad_.W, exact_.gradient().W, config_.n(), true, noise_seed_);
}

size_t LifRandomGradient::state_bytes(int T) const { return exact_.state_bytes_for(B_, T); }

const RuleInfo& random_gradient_info() {
  static const RuleInfo info{
      "random_gradient",
      "baseline: a uniformly random direction for W scaled to the exact gradient's norm, the readout exact; "
      "the chance level of alignment (cosine 0)",
      false, {}, /*baseline=*/true};
  return info;
}

std::unique_ptr<RateRule> make_random_gradient(const RateRnnConfig& config, DType dtype, Device device,
                                                const Params& /*no parameters*/) {
  return std::make_unique<RandomGradient>(config, dtype, device);
}

const RuleInfo& lif_random_gradient_info() {
  static const RuleInfo info{
      "random_gradient",
      "baseline: a uniformly random direction for W (W_rec's diagonal excluded) of the exact gradient's norm, "
      "the readout exact",
      false, {}, /*baseline=*/true};
  return info;
}

std::unique_ptr<LifRule> make_lif_random_gradient(const LifRnnConfig& config, DType dtype, Device device,
                                                   const Params& /*no parameters*/) {
  return std::make_unique<LifRandomGradient>(config, dtype, device);
}

}  // namespace tca
