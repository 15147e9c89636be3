#include "algorithms/uoro.h"

#include <cmath>
#include <utility>

#include "algorithms/rules.h"
#include "kernels/ops.h"

namespace tca {

void Uoro::reset_state(int batch_size, uint64_t noise_seed) {
  const int n = config_.n, k = config_.k();
  if (!atil_.defined() || atil_.dim(0) != batch_size) {
    atil_ = Tensor({batch_size, n}, dtype_, device_);
    ttil_ = Tensor({batch_size, n, k}, dtype_, device_);
    next_atil_ = Tensor({batch_size, n}, dtype_, device_);
    nu_ = Tensor({batch_size, n}, dtype_, device_);
    nu_D_ = Tensor({batch_size, n}, dtype_, device_);
  }
  ops::fill(atil_, 0.0);  // M_0 = 0 exactly: the window starts from the zero state
  ops::fill(ttil_, 0.0);
  noise_seed_ = noise_seed;
  step_ = 0;
}

void Uoro::draw_signs(Tensor& nu, uint64_t noise_seed, uint64_t step) {
  ops::random_signs(nu, noise_seed, step);
}

void Uoro::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k();
  const double alpha = config_.alpha, eps = epsilon_;

  // J_t atil for every sequence without forming J_t: rows atil W_rec^T, scaled by alpha phi'(h),
  // plus the leak (1 - alpha) atil. W_rec is the first n columns of W (leading dimension k).
  ops::gemm(false, true, B_, n, n, 1.0, atil_, n, params_->W, k, 0.0, next_atil_, n);
  ops::mul(next_atil_, s.dphi, next_atil_, alpha);
  ops::axpy(1.0 - alpha, atil_, next_atil_);

  draw_signs(nu_, noise_seed_, step_);
  ops::mul(nu_D_, nu_, s.dphi, alpha);  // nu * D_t

  for (int b = 0; b < B_; ++b) {
    Tensor atil = next_atil_.slice(b), ttil = ttil_.slice(b);
    const Tensor nu = nu_.slice(b), nu_D = nu_D_.slice(b), ahat = s.ahat.slice(b);
    // |(nu*D) ahat^T| = |nu*D| |ahat| (the norm of an outer product): O(n + k), not O(nk).
    const double r0 = std::sqrt((ops::nrm2(ttil) + eps) / (ops::nrm2(atil) + eps));
    const double r1 =
        std::sqrt((ops::nrm2(nu_D) * ops::nrm2(ahat) + eps) / (ops::nrm2(nu) + eps));
    ops::scale(atil, r0);  // atil_t = r0 J atil + r1 nu
    ops::axpy(r1, nu, atil);
    ops::scale(ttil, 1.0 / r0);  // ttil_t = ttil / r0 + (nu*D) ahat^T / r1
    ops::ger(n, k, 1.0 / r1, nu_D, ahat, ttil, k);
    ops::axpy(ops::dot(s.c.slice(b), atil), ttil, grad_.W);  // gW += (c_t . atil_t) ttil_t
  }
  std::swap(atil_, next_atil_);
  ++step_;
}

std::map<std::string, std::string> Uoro::config() const {
  return {{"epsilon", format_real(epsilon_)}};
}

size_t Uoro::state_bytes(int /*T*/) const {
  const size_t n = config_.n, k = config_.k();
  // ttil; atil and three n-vectors of scratch (J atil, nu, nu * D).
  return static_cast<size_t>(B_) * (n * k + 4 * n) * dtype_size(dtype_);
}

double Uoro::flops_per_step() const {
  const double n = config_.n, k = config_.k();
  return 2 * n * n + 4 * n    // J_t atil: W_rec product, scale by alpha phi', leak
         + 2 * n              // nu * D_t
         + 2 * n * k          // |ttil|
         + 2 * (3 * n + k)    // |J atil|, |nu*D|, |nu|, |ahat|
         + 3 * n              // atil update
         + 3 * n * k          // ttil update (scale, rank-one update)
         + 2 * n + 2 * n * k; // c . atil, gradient axpy
}

}  // namespace tca

namespace tca {

const AlgorithmInfo& uoro_info() {
  static const AlgorithmInfo info{
      "uoro",
      "unbiased online recurrent optimization, rank-one influence estimate (Tallec & Ollivier "
      "2018; stochastic, unbiased, O(n^2 + nk) per step)",
      false,
      {{"epsilon", "1e-7",
        "stabiliser of the variance-reduction factors: r0 = sqrt((|ttil| + eps) / (|J atil| + "
        "eps)), r1 likewise; > 0, any value keeps the estimate unbiased"}}};
  return info;
}

std::unique_ptr<Algorithm> make_uoro(const RateRnnConfig& config, DType dtype, Device device,
                                     const Params& params) {
  return std::make_unique<Uoro>(config, dtype, device, params.real("epsilon", 0.0, 1.0, true));
}

}  // namespace tca
