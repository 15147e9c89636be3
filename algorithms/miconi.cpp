#include "algorithms/miconi.h"

#include <limits>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

std::map<std::string, std::string> Miconi::config() const { return miconi_params().text(miconi_); }

double Miconi::baseline() const { return has_baseline_ ? baseline_ : std::numeric_limits<double>::quiet_NaN(); }

void Miconi::set_baseline(double baseline) {
  baseline_ = baseline;
  has_baseline_ = true;
}

void Miconi::finish() {
  const DeviceBatch& b = batch();
  const int B = B_, n = config_.n, k = config_.k(), T = b.T;
  if (!xi_.defined() || xi_.dim(0) != B) {
    for (Tensor* t : {&xi_, &abar_, &scratch_n_, &weighted_}) *t = Tensor({B, n}, dtype_, device_);
    scratch_k_ = Tensor({B, k}, dtype_, device_);
    d_cubed_.clear();
    ahat_cubed_.clear();
  }
  while (static_cast<int>(d_cubed_.size()) < T) {
    d_cubed_.emplace_back(std::vector<int64_t>{B, n}, dtype_, device_);
    ahat_cubed_.emplace_back(std::vector<int64_t>{B, k}, dtype_, device_);
  }
  Philox rng(noise_seed_, RandomStream::algorithm, 0);
  xi_host_.resize(static_cast<size_t>(B) * n);
  const std::vector<double> losses = run_pass(
      *params_,
      [&](int /*t*/) -> const Tensor* {
        for (double& x : xi_host_) {
          const double u1 = rng.uniform(), u2 = rng.uniform();
          x = u1 < miconi_.kick_probability ? miconi_.kick_size * (2 * u2 - 1) : 0.0;
        }
        ops::copy(xi_, Tensor::from_host(xi_host_, {B, n}, dtype_, device_));
        return &xi_;
      },
      [&](int t, const StepState& s) {
        if (t == 0) {
          ops::copy(abar_, s.a);
          return;
        }
        Tensor& d = d_cubed_[t];
        ops::copy(d, s.a);
        ops::axpy(-1.0, abar_, d);  // d_t = a_t - abar_{t-1}
        ops::scale(abar_, miconi_.trace_decay);
        ops::axpy(1.0 - miconi_.trace_decay, s.a, abar_);
        ops::mul(scratch_n_, d, d, 1.0);
        ops::mul(d, scratch_n_, d, 1.0);  // d^3
        ops::mul(scratch_k_, s.ahat, s.ahat, 1.0);
        ops::mul(ahat_cubed_[t], scratch_k_, s.ahat, 1.0);  // ahat^3
      });
  // Each sequence's weight (R_b - Rbar_b) / B, the baseline running over the sequences in order.
  std::vector<double> w(B);
  for (int s = 0; s < B; ++s) {
    const double R = B * losses[s];
    if (!has_baseline_) set_baseline(R);
    w[s] = (R - baseline_) / B;
    if (adapting_) baseline_ = miconi_.baseline_decay * baseline_ + (1 - miconi_.baseline_decay) * R;
  }
  const Tensor weights = Tensor::from_host(w, {B}, DType::f64, device_);
  const Tensor keep = Tensor::from_host(std::vector<double>(B, 0.0), {B}, DType::f64, device_);
  for (int t = 1; t < T; ++t) {  // gW += sum_b w_b d_t^3 (ahat_t^3)^T
    ops::fill(weighted_, 0.0);
    ops::scale_add_rows(weighted_, keep, weights, d_cubed_[t]);
    ops::gemm(true, false, n, k, B, 1.0, weighted_, n, ahat_cubed_[t], k, 1.0, grad_.W, k);
  }
}

size_t Miconi::state_bytes(int T) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n, k = config_.k(), o = config_.o;
  const size_t network = B * (k + 3 * n + (n + 1) + 3 * o);  // the rule's copy of the network
  return (static_cast<size_t>(T) * B * (n + k) + 4 * B * n + B * k + network) * dtype_size(dtype_) +
         B * n * sizeof(double) + 2 * B * sizeof(double);  // one step's host draws; the weights
}

double Miconi::flops_per_step() const {
  const double n = config_.n, k = config_.k(), o = config_.o;
  const double forward = 2 * n * k + 2 * o * (n + 1) + 2 * o * n + 10 * n;
  return forward + 6 * n + 2 * k + 2 * n * k + n;  // one pass, fluctuation and cubes, gW
}

const ParamTable<MiconiConfig>& miconi_params() {
  static const auto table =
      ParamTable<MiconiConfig>()
          .real("kick_probability", &MiconiConfig::kick_probability, 0.0, 1.0,
                "probability that a unit is kicked at a step (Miconi: 0.003)")
          .real("kick_size", &MiconiConfig::kick_size, 0.0, 1e3,
                "kicks are uniform in [-kick_size, kick_size] on the pre-activation (Miconi: 16 dt/tau = 0.53)")
          .real("trace_decay", &MiconiConfig::trace_decay, 0.0, 1.0,
                "the fluctuation is a_t - abar_{t-1}, abar <- trace_decay abar + (1 - trace_decay) a (Miconi: 0.05)")
          .real("baseline_decay", &MiconiConfig::baseline_decay, 0.0, 1.0,
                "running baseline of the errors, Rbar <- baseline_decay Rbar + (1 - baseline_decay) R (Miconi: 0.75)");
  return table;
}

const RuleInfo& miconi_info() {
  static const RuleInfo info{
      "miconi",
      "Miconi 2017's reward-modulated Hebbian rule: sparse kicks, E += (d_t ahat_t^T)^3 with d the state's "
      "fluctuation, gW = sum_b (R_b - Rbar) E_b / B with a running baseline Rbar; a training rule, biased by design",
      false, miconi_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_miconi(const RateRnnConfig& config, DType dtype, Device device, const Params& params) {
  return std::make_unique<Miconi>(config, dtype, device, miconi_params().read(params));
}

}  // namespace tca
