#include "algorithms/node_perturbation.h"

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

std::map<std::string, std::string> NodePerturbation::config() const {
  return node_perturbation_params().text(perturbation_);
}

void NodePerturbation::finish() {
  const DeviceBatch& b = batch();
  const int B = B_, n = config_.n, k = config_.k(), T = b.T;
  const double sigma = perturbation_.sigma;
  const std::vector<double> clean = run_pass(*params_);
  Philox rng(noise_seed_, RandomStream::algorithm, 0);
  while (static_cast<int>(xi_.size()) < T) {
    xi_.emplace_back(std::vector<int64_t>{B, n}, dtype_, device_);
    ahat_.emplace_back(std::vector<int64_t>{B, k}, dtype_, device_);
  }
  if (xi_[0].dim(0) != B) {  // a new batch size
    for (int t = 0; t < static_cast<int>(xi_.size()); ++t) {
      xi_[t] = Tensor({B, n}, dtype_, device_);
      ahat_[t] = Tensor({B, k}, dtype_, device_);
    }
  }
  xi_host_.assign(T, std::vector<double>(static_cast<size_t>(B) * n));
  const std::vector<double> noisy = run_pass(
      *params_,
      [&](int t) -> const Tensor* {
        for (double& x : xi_host_[t]) x = sigma * rng.normal();
        ops::copy(xi_[t], Tensor::from_host(xi_host_[t], {B, n}, dtype_, device_));
        return &xi_[t];
      },
      [&](int t, const StepState& s) { ops::copy(ahat_[t], s.ahat); });
  if (!weighted_.defined() || weighted_.dim(0) != B) weighted_ = Tensor({B, n}, dtype_, device_);
  std::vector<double> weighted(static_cast<size_t>(B) * n);
  for (int t = 0; t < T; ++t) {
    for (int s = 0; s < B; ++s) {
      const double w = (noisy[s] - clean[s]) / (sigma * sigma);
      for (int i = 0; i < n; ++i) weighted[static_cast<size_t>(s) * n + i] = w * xi_host_[t][static_cast<size_t>(s) * n + i];
    }
    ops::copy(weighted_, Tensor::from_host(weighted, {B, n}, dtype_, device_));
    ops::gemm(true, false, n, k, B, 1.0, weighted_, n, ahat_[t], k, 1.0, grad_.W, k);  // gW += (w xi)^T ahat
  }
}

size_t NodePerturbation::state_bytes(int T) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n, k = config_.k(), o = config_.o;
  const size_t network = B * (k + 3 * n + (n + 1) + 3 * o);  // the rule's copy of the network
  return (static_cast<size_t>(T) * B * (n + k) + B * n + network) * dtype_size(dtype_) +
         static_cast<size_t>(T) * B * n * sizeof(double);  // the host draws
}

double NodePerturbation::flops_per_step() const {
  const double n = config_.n, k = config_.k(), o = config_.o;
  const double forward = 2 * n * k + 2 * o * (n + 1) + 2 * o * n + 10 * n;
  return 2 * forward + 2 * n * k + 2 * n;  // two passes, gW += (w xi)^T ahat
}

const ParamTable<PerturbationConfig>& node_perturbation_params() {
  static const auto table = ParamTable<PerturbationConfig>().positive(
      "sigma", &PerturbationConfig::sigma, 1e3,
      "standard deviation of the noise added to every pre-activation at every step");
  return table;
}

const RuleInfo& node_perturbation_info() {
  static const RuleInfo info{
      "node_perturbation",
      "node perturbation (REINFORCE; Fiete & Seung 2006): Gaussian noise on every pre-activation, gW = sum_b "
      "(L_b(xi) - L_b(0)) / sigma^2 sum_t xi_t ahat_t^T; unbiased as sigma -> 0",
      false, node_perturbation_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_node_perturbation(const RateRnnConfig& config, DType dtype, Device device,
                                                 const Params& params) {
  return std::make_unique<NodePerturbation>(config, dtype, device, node_perturbation_params().read(params));
}

}  // namespace tca
