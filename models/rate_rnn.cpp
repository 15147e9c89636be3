#include "models/rate_rnn.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

// Modified Gram-Schmidt on the block's columns, which gives R a positive diagonal and so a
// uniformly distributed orthogonal Q from Gaussian draws. Gaussian columns are independent with
// probability 1; a column that vanishes in rounding is an error.
void orthogonalise_recurrent_block(std::vector<double>& W, int n, int k, double gain) {
  std::vector<double> Q(static_cast<size_t>(n) * n);  // column-major: column j at Q[j * n]
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) Q[static_cast<size_t>(j) * n + i] = W[static_cast<size_t>(i) * k + j];
  for (int j = 0; j < n; ++j) {
    double* q = &Q[static_cast<size_t>(j) * n];
    for (int p = 0; p < j; ++p) {
      const double* e = &Q[static_cast<size_t>(p) * n];
      double dot = 0.0;
      for (int i = 0; i < n; ++i) dot += e[i] * q[i];
      for (int i = 0; i < n; ++i) q[i] -= dot * e[i];
    }
    double norm = 0.0;
    for (int i = 0; i < n; ++i) norm += q[i] * q[i];
    norm = std::sqrt(norm);
    if (!(norm > 0.0)) throw std::runtime_error("orthogonal initialisation: a Gaussian column vanished");
    for (int i = 0; i < n; ++i) q[i] /= norm;
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) W[static_cast<size_t>(i) * k + j] = gain * Q[static_cast<size_t>(j) * n + i];
}

RateRnnParams init_params(const RateRnnConfig& config, uint64_t seed, DType dtype, Device device,
                          const InitOptions& options) {
  const int n = config.n, m = config.m, o = config.o, k = config.k();
  Philox rng(seed, RandomStream::parameters, 0);
  std::vector<double> W(static_cast<size_t>(n) * k);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) W[i * k + j] = options.gain / std::sqrt(n) * rng.normal();
    for (int j = 0; j < m; ++j) W[i * k + n + j] = rng.normal() / std::sqrt(m);
    W[i * k + n + m] = options.bias_scale * rng.normal();
  }
  std::vector<double> W_outb(static_cast<size_t>(o) * (n + 1));
  for (int i = 0; i < o; ++i) {
    for (int j = 0; j < n; ++j) W_outb[i * (n + 1) + j] = rng.normal() / std::sqrt(n);
    W_outb[i * (n + 1) + n] = options.bias_scale * rng.normal();
  }
  if (options.recurrent == RecurrentInit::orthogonal) orthogonalise_recurrent_block(W, n, k, options.gain);
  return {Tensor::from_host(W, {n, k}, dtype, device),
          Tensor::from_host(W_outb, {o, n + 1}, dtype, device)};
}

std::vector<ParamGroup> param_groups(const RateRnnConfig& c) {
  return {{"W_rec", false, 0, c.n},
          {"W_in", false, c.n, c.m},
          {"b", false, c.n + c.m, 1},
          {"W_out", true, 0, c.n},
          {"b_out", true, c.n, 1}};
}

RateRnn::RateRnn(const RateRnnConfig& config, DType dtype, Device device, const InitOptions& init)
    : config_(config), dtype_(dtype), device_(device), init_(init) {
  if (config.n < 1 || config.m < 1 || config.o < 1)
    throw std::invalid_argument("RateRnn: n, m and o must be at least 1");
  if (!(config.alpha > 0.0 && config.alpha <= 1.0))
    throw std::invalid_argument("RateRnn: alpha must lie in (0, 1]");
}

NetworkParams RateRnn::initial_params(uint64_t seed, DType dtype, Device device) const {
  return init_params(config_, seed, dtype, device, init_);
}

nlohmann::json RateRnn::description() const { return {{"model", "rate"}, {"alpha", config_.alpha}}; }

void RateRnn::begin(int batch_size) {
  if (batch_size < 1) throw std::invalid_argument("RateRnn: batch size must be at least 1");
  const int n = config_.n, o = config_.o;
  if (batch_size != B_) {
    B_ = batch_size;
    state_.ahat = Tensor({B_, config_.k()}, dtype_, device_);
    state_.h = Tensor({B_, n}, dtype_, device_);
    state_.dphi = Tensor({B_, n}, dtype_, device_);
    state_.a = Tensor({B_, n}, dtype_, device_);
    state_.aone = Tensor({B_, n + 1}, dtype_, device_);
    state_.y = Tensor({B_, o}, dtype_, device_);
    state_.e = Tensor({B_, o}, dtype_, device_);
    state_.c = Tensor({B_, n}, dtype_, device_);
    no_input_ = Tensor({B_, 0}, dtype_, device_);
    loss_sum_ = Tensor({B_}, DType::f64, device_);
  }
  ops::fill(state_.a, 0.0);
  ops::fill(loss_sum_, 0.0);
}

void RateRnn::resume() {
  if (B_ < 1) throw std::logic_error("RateRnn::resume before begin");
  ops::fill(loss_sum_, 0.0);
}

double RateRnn::window_loss() const {
  double total = 0.0;
  for (double l : loss_sum_.to_host()) total += l;
  return total;
}

void RateRnn::step(const RateRnnParams& params, const DeviceBatch& batch, int t) { advance(params, batch, t, nullptr); }

void RateRnn::step_perturbed(const RateRnnParams& params, const DeviceBatch& batch, int t, const Tensor& xi) {
  if (xi.shape() != Shape{B_, config_.n})
    throw std::invalid_argument("RateRnn::step_perturbed: the noise must be [B, n]");
  advance(params, batch, t, &xi);
}

void RateRnn::advance(const RateRnnParams& params, const DeviceBatch& batch, int t, const Tensor* xi) {
  const int B = B_, n = config_.n, o = config_.o, k = config_.k();
  if (batch.B != B) throw std::invalid_argument("RateRnn::step: batch size differs from begin()");
  if (t < 0 || t >= batch.T) throw std::out_of_range("RateRnn::step: step outside the batch");
  StepState& s = state_;
  const Tensor x = batch.inputs.slice(t);
  if (x.dim(1) != config_.m) throw std::invalid_argument("RateRnn::step: input size differs from m");

  ops::build_presynaptic(s.ahat, s.a, x);                                     // [a_{t-1}; x_t; 1]
  ops::gemm(false, true, B, n, k, 1.0, s.ahat, k, params.W, k, 0.0, s.h, n);  // h = ahat W^T
  if (xi) ops::axpy(1.0, *xi, s.h);
  ops::leaky_tanh(s.a, s.dphi, s.h, config_.alpha);                           // a_t, phi'(h_t)
  ops::build_presynaptic(s.aone, s.a, no_input_);                             // [a_t; 1]
  ops::gemm(false, true, B, o, n + 1, 1.0, s.aone, n + 1, params.W_outb, n + 1, 0.0, s.y, o);
  ops::output_error(s.e, s.y, batch.targets.slice(t), batch.mask.slice(t), config_.loss, 1.0 / B,
                    loss_sum_);
  ops::gemm(false, false, B, n, o, 1.0, s.e, o, params.W_outb, n + 1, 0.0, s.c, n);  // c = e W_out
}

}  // namespace tca
