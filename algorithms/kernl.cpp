#include "algorithms/kernl.h"

#include <algorithm>
#include <stdexcept>

#include "algorithms/registry.h"
#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

Kernl::Kernl(const RateRnnConfig& config, DType dtype, Device device, const KernlConfig& kernl)
    : RateRule(config, dtype, device), kernl_(kernl), alpha_(static_cast<size_t>(config.n), kernl.alpha_init) {
  const int n = config.n;
  std::vector<double> identity(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i) identity[static_cast<size_t>(i) * n + i] = 1.0;
  A_ = Tensor::from_host(identity, {n, n}, dtype, device);
}

std::map<std::string, std::string> Kernl::config() const { return kernl_params().text(kernl_); }

void Kernl::set_sensitivity(const std::vector<double>& A, const std::vector<double>& alpha) {
  const int n = config_.n;
  if (A.size() != static_cast<size_t>(n) * n || alpha.size() != static_cast<size_t>(n))
    throw std::invalid_argument("kernl: the sensitivity must be n x n and the timescales n");
  ops::copy(A_, Tensor::from_host(A, {n, n}, dtype_, device_));
  alpha_ = alpha;
  if (decay_.defined()) refresh_decay();
}

void Kernl::refresh_decay() {
  const int64_t B = decay_.dim(0), n = config_.n;
  std::vector<double> rows(static_cast<size_t>(B * n));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(b * n + i)] = std::clamp(1.0 - alpha_[i], 0.0, 1.0);
  ops::copy(decay_, Tensor::from_host(rows, {B, n}, dtype_, device_));
}

void Kernl::reset_state(int batch_size, uint64_t noise_seed) {
  const int n = config_.n, k = config_.k();
  if (!beta_.defined() || beta_.dim(0) != batch_size) {
    beta_ = Tensor({batch_size, n, k}, dtype_, device_);
    for (Tensor* t : {&decay_, &omega_, &gamma_, &perturbed_, &delta_, &h_, &dphi_, &zeta_, &err_, &err_A_, &signal_})
      *t = Tensor({batch_size, n}, dtype_, device_);
  }
  refresh_decay();
  for (Tensor* t : {&beta_, &omega_, &gamma_, &perturbed_, &delta_}) ops::fill(*t, 0.0);  // zero state, like the network's
  noise_seed_ = noise_seed;
  step_ = 0;
}

void Kernl::continue_state(uint64_t noise_seed) {
  noise_seed_ = noise_seed;
  step_ = 0;
}

void Kernl::adapt(const StepState& s) {
  const int B = B_, n = config_.n, k = config_.k();
  // The perturbed network: h~ = h + W_rec delta_{t-1}, at~ = (1 - alpha) at~ + alpha tanh(h~) + zeta.
  ops::copy(h_, s.h);
  ops::gemm(false, true, B, n, n, 1.0, delta_, n, params_->W, k, 1.0, h_, n);
  ops::leaky_tanh(perturbed_, dphi_, h_, config_.alpha);
  std::vector<double> zeta(static_cast<size_t>(B) * n);
  Philox rng(noise_seed_, RandomStream::algorithm, step_);
  for (double& z : zeta) z = kernl_.sigma * rng.normal();
  ops::copy(zeta_, Tensor::from_host(zeta, {B, n}, dtype_, device_));
  ops::axpy(1.0, zeta_, perturbed_);
  ops::copy(delta_, perturbed_);  // delta = at~ - a
  ops::axpy(-1.0, s.a, delta_);
  // Gamma = k Gamma - Omega, then Omega = k Omega + zeta.
  ops::mul(gamma_, gamma_, decay_, 1.0);
  ops::axpy(-1.0, omega_, gamma_);
  ops::mul(omega_, omega_, decay_, 1.0);
  ops::axpy(1.0, zeta_, omega_);
  // err = Omega A^T - delta (rows); the timescales' gradient (A^T err)_i Gamma_i, then A's step.
  ops::gemm(false, true, B, n, n, 1.0, omega_, n, A_, n, 0.0, err_, n);
  ops::axpy(-1.0, delta_, err_);
  ops::gemm(false, false, B, n, n, 1.0, err_, n, A_, n, 0.0, err_A_, n);
  ops::mul(err_A_, err_A_, gamma_, 1.0);
  const double step = kernl_.lr / (B * kernl_.sigma * kernl_.sigma);
  ops::gemm(true, false, n, n, B, -step, err_, n, omega_, n, 1.0, A_, n);  // A -= step sum_b err_b Omega_b^T
  const std::vector<double> grad = err_A_.to_host();
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i) alpha_[i] -= step * grad[static_cast<size_t>(b) * n + i];
  refresh_decay();
}

void Kernl::accumulate(const StepState& s) {
  const int B = B_, n = config_.n;
  if (adapting_) adapt(s);
  ++step_;
  ops::gemm(false, false, B, n, n, 1.0, s.c, n, A_, n, 0.0, signal_, n);  // rows c A = (A^T c)^T
  // Beta = k Beta + alpha D ahat^T, then gW += sum_b diag(signal_b) Beta_b
  ops::trace_step_and_gradient(beta_, grad_.W, decay_, s.dphi, s.ahat, signal_, config_.alpha);
}

size_t Kernl::state_bytes(int /*T*/) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n, k = config_.k();
  return (B * n * k + 11 * B * n + n * n) * dtype_size(dtype_) + n * sizeof(double);
}

double Kernl::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  double flops = 3 * n * k        // the trace
                 + 2 * n * n      // c A
                 + 2 * n * k;     // gW += diag(signal) Beta
  if (adapting_) flops += 2 * n * n  // W_rec delta
                          + 3 * 2 * n * n  // Omega A^T, err A, A's step
                          + 20 * n;
  return flops;
}

const ParamTable<KernlConfig>& kernl_params() {
  static const auto table =
      ParamTable<KernlConfig>()
          .positive("sigma", &KernlConfig::sigma, 1e3, "standard deviation of the perturbation of the state")
          .positive("lr", &KernlConfig::lr, 1e3,
                    "learning rate of the sensitivity A and the timescales, on their prediction error over sigma^2")
          .real("alpha_init", &KernlConfig::alpha_init, 0.0, 1.0,
                "initial timescale parameter of every neuron: its trace decays by 1 - alpha per step");
  return table;
}

const RuleInfo& kernl_info() {
  static const RuleInfo info{
      "kernl",
      "KeRNL (Roth et al. 2019): traces with learned per-neuron decay times a learned sensitivity matrix A, "
      "gW += diag(A^T c) Beta; A and the timescales learned from perturbations of the state",
      false, kernl_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_kernl(const RateRnnConfig& config, DType dtype, Device device, const Params& params) {
  return std::make_unique<Kernl>(config, dtype, device, kernl_params().read(params));
}

}  // namespace tca
