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
    weights_ = Tensor({batch_size}, dtype_, device_);
  }
  ops::fill(atil_, 0.0);  // M_0 = 0 exactly: the window starts from the zero state
  ops::fill(ttil_, 0.0);
  restart_draws(noise_seed);
}

void Uoro::accumulate(const StepState& s) {
  const int n = config_.n, k = config_.k();
  const double alpha = config_.alpha, eps = epsilon_;

  // J_t atil for every sequence without forming J_t: rows atil W_rec^T, scaled by alpha phi'(h),
  // plus the leak (1 - alpha) atil. W_rec is the first n columns of W (leading dimension k).
  ops::gemm(false, true, B_, n, n, 1.0, atil_, n, params_->W, k, 0.0, next_atil_, n);
  ops::mul(next_atil_, s.dphi, next_atil_, alpha);
  ops::axpy(1.0 - alpha, atil_, next_atil_);

  draw_step_signs(nu_);
  ops::mul(nu_D_, nu_, s.dphi, alpha);  // nu * D_t

  // Every sequence's variance-reduction factors, from row norms taken in one call each.
  // |(nu*D) ahat^T| = |nu*D| |ahat| (the norm of an outer product): O(n + k), not O(nk).
  const std::vector<double> ttil_norm = ops::row_norms(ttil_), Jatil_norm = ops::row_norms(next_atil_);
  const std::vector<double> nuD_norm = ops::row_norms(nu_D_), ahat_norm = ops::row_norms(s.ahat);
  const std::vector<double> nu_norm = ops::row_norms(nu_);
  std::vector<double> r0(B_), r1(B_), inv_r0(B_), inv_r1(B_);
  for (int b = 0; b < B_; ++b) {
    r0[b] = std::sqrt((ttil_norm[b] + eps) / (Jatil_norm[b] + eps));
    r1[b] = std::sqrt((nuD_norm[b] * ahat_norm[b] + eps) / (nu_norm[b] + eps));
    inv_r0[b] = 1.0 / r0[b];
    inv_r1[b] = 1.0 / r1[b];
  }
  ops::scale_rows(next_atil_, r0);  // atil_t = r0 J atil + r1 nu
  ops::axpy_rows(r1, nu_, next_atil_);
  ops::scale_rows(ttil_, inv_r0);  // ttil_t = ttil / r0 + (nu*D) ahat^T / r1
  ops::add_outer_rows(ttil_, inv_r1, nu_D_, s.ahat);
  // gW += sum_b (c_t . atil_t) ttil_t: the weights, then one product over the sequences.
  // (The host values go into a buffer kept for the window: no device allocation per step.)
  weights_.copy_from(Tensor::from_host(ops::row_dots(s.c, next_atil_), {B_}, dtype_));
  Tensor gW = grad_.W.reshape({int64_t{n} * k});
  ops::gemv(true, B_, int64_t{n} * k, 1.0, ttil_, int64_t{n} * k, weights_, 1.0, gW);
  std::swap(atil_, next_atil_);
}

std::map<std::string, std::string> Uoro::config() const {
  return {{"epsilon", format_real(epsilon_)}};
}

size_t Uoro::state_bytes(int /*T*/) const {
  const size_t n = config_.n, k = config_.k();
  // ttil; atil and three n-vectors of scratch (J atil, nu, nu * D); the gradient weight.
  return static_cast<size_t>(B_) * (n * k + 4 * n + 1) * dtype_size(dtype_);
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
