#include "models/rate_rnn.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>
#include <utility>

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
  precomputed_ = false;
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
  leave_window();
  ops::fill(loss_sum_, 0.0);
}

double RateRnn::window_loss() const {
  double total = 0.0;
  for (double l : loss_sum_.to_host()) total += l;
  return total;
}

void RateRnn::step(const RateRnnParams& params, const DeviceBatch& batch, int t) {
  if (!precomputed_) return advance(params, batch, t, nullptr);
  if (&batch != window_batch_) throw std::logic_error("RateRnn::step: not the batch of the precomputed window");
  if (t < 0 || t >= batch.T) throw std::out_of_range("RateRnn::step: step outside the batch");
  view_.ahat = window_.ahat.slice(t);
  view_.h = window_.h.slice(t);
  view_.dphi = window_.dphi.slice(t);
  view_.a = window_.a.slice(t + 1);
  view_.aone = window_.aone.slice(t);
  view_.y = window_.y.slice(t);
  view_.e = window_.e.slice(t);
  view_.c = window_.c.slice(t);
}

// The state after a precomputed window is its last a_t: back into the step-by-step buffers,
// for a resumed stream.
void RateRnn::leave_window() {
  if (!precomputed_) return;
  ops::copy(state_.a, window_.a.slice(window_.a.dim(0) - 1));
  precomputed_ = false;
}

size_t RateRnn::window_bytes(const RateRnnConfig& config, int64_t T, int64_t B, DType dtype) {
  // a: T + 1 rows of B x n; per step and sequence: ahat (k), h, dphi, c (n each), aone (n + 1),
  // y and e (o each), and the loss in double.
  const size_t n = config.n, k = config.k(), o = config.o, rows = static_cast<size_t>(T) * B;
  return rows * ((5 * n + k + 1 + 2 * o) * dtype_size(dtype) + sizeof(double)) + B * n * dtype_size(dtype);
}

bool RateRnn::window_forward_fits(const DeviceBatch& batch) {
  if (window_forward_ == WindowForward::stepwise) return false;
  if (window_forward_ == WindowForward::automatic && device_ != Device::cuda) return false;
  if (max_window_hidden_ < 0) max_window_hidden_ = ops::rnn_forward_sequence_max_hidden(device_, dtype_, config_.m);
  if (config_.n > max_window_hidden_) return false;
  return window_forward_ == WindowForward::window || window_bytes(config_, batch.T, B_, dtype_) <= kMaxWindowBytes;
}

bool RateRnn::precompute_window(const RateRnnParams& params, const DeviceBatch& batch) {
  if (B_ < 1) throw std::logic_error("RateRnn::precompute_window before begin");
  if (batch.B != B_) throw std::invalid_argument("RateRnn::precompute_window: batch size differs from begin()");
  if (batch.inputs.dim(2) != config_.m) throw std::invalid_argument("RateRnn::precompute_window: input size differs from m");
  leave_window();  // a window after a precomputed one (resumed stream) starts from its last state
  if (batch.T < 1 || !window_forward_fits(batch)) return false;
  const int64_t T = batch.T, B = B_, n = config_.n, k = config_.k(), o = config_.o, rows = T * B;
  if (!window_.a.defined() || window_.a.dim(0) != T + 1 || window_.a.dim(1) != B) {
    WindowBuffers fresh;  // all or nothing: a failed allocation leaves the old buffers as they were
    fresh.a = Tensor({T + 1, B, n}, dtype_, device_);
    fresh.ahat = Tensor({T, B, k}, dtype_, device_);
    fresh.h = Tensor({T, B, n}, dtype_, device_);
    fresh.dphi = Tensor({T, B, n}, dtype_, device_);
    fresh.aone = Tensor({T, B, n + 1}, dtype_, device_);
    fresh.y = Tensor({T, B, o}, dtype_, device_);
    fresh.e = Tensor({T, B, o}, dtype_, device_);
    fresh.c = Tensor({T, B, n}, dtype_, device_);
    fresh.loss = Tensor({T, B}, DType::f64, device_);
    fresh.ones = Tensor({T}, DType::f64, device_);
    ops::fill(fresh.ones, 1.0);
    fresh.no_input = Tensor({rows, 0}, dtype_, device_);
    window_ = std::move(fresh);
  }
  WindowBuffers& w = window_;
  // a_{-1}, then a_0 .. a_{T-1} and phi'(h_t) in one call.
  Tensor a_first = w.a.slice(0);
  ops::copy(a_first, state_.a);
  Tensor a_steps = w.a.narrow(1, T);
  ops::rnn_forward_sequence(a_steps, w.dphi, params.W, batch.inputs, state_.a, config_.alpha);
  // Every step's [a_{t-1}; x_t; 1], h_t = ahat_t W^T, [a_t; 1] and y_t, as T x B rows. (h is
  // the product again: the recurrence kept its own in shared memory; the two agree to rounding.)
  Tensor ahat = w.ahat.reshape({rows, k}), h = w.h.reshape({rows, n}), aone = w.aone.reshape({rows, n + 1});
  Tensor y = w.y.reshape({rows, o}), e = w.e.reshape({rows, o}), c = w.c.reshape({rows, n});
  ops::build_presynaptic(ahat, w.a.narrow(0, T).reshape({rows, n}), batch.inputs.reshape({rows, config_.m}));
  ops::gemm(false, true, rows, n, k, 1.0, ahat, k, params.W, k, 0.0, h, n);
  ops::build_presynaptic(aone, a_steps.reshape({rows, n}), w.no_input);
  ops::gemm(false, true, rows, o, n + 1, 1.0, aone, n + 1, params.W_outb, n + 1, 0.0, y, o);
  // Each step's loss per sequence, then summed over the steps into each sequence's share.
  ops::fill(w.loss, 0.0);
  Tensor loss_rows = w.loss.reshape({rows});
  ops::output_error(e, y, batch.targets.reshape({rows, o}), batch.mask.reshape({rows}), config_.loss, 1.0 / B,
                    loss_rows);
  ops::add_weighted_rows(loss_sum_, w.ones, w.loss);
  ops::gemm(false, false, rows, n, o, 1.0, e, o, params.W_outb, n + 1, 0.0, c, n);  // c_t = e_t W_out
  precomputed_ = true;
  window_batch_ = &batch;
  step(params, batch, 0);  // state() is step 0 until the first step() selects it again
  return true;
}

void RateRnn::step_perturbed(const RateRnnParams& params, const DeviceBatch& batch, int t, const Tensor& xi) {
  if (precomputed_) throw std::logic_error("RateRnn::step_perturbed: the window was precomputed unperturbed");
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
