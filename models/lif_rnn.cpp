#include "models/lif_rnn.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>

#include "kernels/philox.h"

namespace tca {

namespace {

double decay(double dt, double tau) { return tau > 0 ? std::exp(-dt / tau) : 0.0; }

// W_rec (the first n columns of the n x k row-major W, drawn unsigned) made sign-constrained and
// balanced, as init_lif_params' comment (models/lif_rnn.h) says.
void apply_dale_init(const LifRnnConfig& config, std::vector<double>& W) {
  const int n = config.n(), k = config.k(), n_I = config.n_inhibitory(), n_E = n - n_I;
  const double inhibitory_gain = static_cast<double>(n_E) / n_I;
  for (int i = 0; i < n; ++i) {
    double* row = &W[static_cast<size_t>(i) * k];
    double sum = 0.0;
    int count_E = 0, count_I = 0;
    for (int p = 0; p < n; ++p) {
      if (p == i) continue;
      row[p] = p < n_I ? -inhibitory_gain * std::abs(row[p]) : std::abs(row[p]);
      sum += row[p];
      (p < n_I ? count_I : count_E) += 1;
    }
    for (int p = 0; p < n; ++p) {
      if (p == i) continue;
      if (sum > 0 && p < n_I) row[p] -= sum / count_I;
      if (sum < 0 && p >= n_I) row[p] -= sum / count_E;
    }
  }
}

}  // namespace

double LifRnnConfig::alpha() const { return decay(dt, tau_v); }
double LifRnnConfig::rho() const { return decay(dt, tau_a); }
double LifRnnConfig::kappa() const { return decay(dt, tau_out); }

double LifRnnConfig::default_beta(double dt, double tau_v, double tau_a) {
  return 1.7 * (1.0 - decay(dt, tau_a)) / (1.0 - decay(dt, tau_v));
}

double LifRnnConfig::readout_gain() const { return readout_average ? 1.0 - kappa() : 1.0; }

int LifRnnConfig::n_inhibitory() const { return static_cast<int>(std::floor(inhibitory_fraction * n() + 0.5)); }

std::vector<int> LifRnnConfig::cell_types() const {
  std::vector<int> types(static_cast<size_t>(n()), 0);
  for (int j = 0; j < n_inhibitory(); ++j) types[j] = 1;
  return types;
}

ops::LifConstants LifRnnConfig::constants() const {
  ops::LifConstants c;
  c.alpha = alpha();
  c.rho = rho();
  c.v_th = v_th;
  c.gamma = gamma;
  c.refractory = refractory;
  return c;
}

void LifRnnConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("lif model: " + what);
  };
  require(n_lif >= 0 && n_alif >= 0 && n() >= 1 && n() <= 4096, "n_lif + n_alif must lie in [1, 4096]");
  require(m >= 1 && o >= 1, "the task needs at least one input and one output");
  require(dt > 0 && std::isfinite(dt), "dt must be positive");
  require(tau_v > 0 && std::isfinite(tau_v), "tau_v must be positive");
  require(tau_a > 0 && std::isfinite(tau_a), "tau_a must be positive");
  require(tau_out >= 0 && std::isfinite(tau_out), "tau_out must be >= 0");
  require(v_th > 0 && std::isfinite(v_th), "v_th must be positive");
  require(beta >= 0 && std::isfinite(beta), "beta must be >= 0");
  require(refractory >= 1, "refractory must be at least 1 step");
  require(gamma > 0 && std::isfinite(gamma), "gamma must be positive");
  require(rate_reg >= 0 && std::isfinite(rate_reg), "rate_reg must be >= 0");
  require(rate_target >= 0 && std::isfinite(rate_target), "rate_target must be >= 0");
  require(init_in_scale >= 0 && init_rec_scale >= 0, "init scales must be >= 0");
  require(inhibitory_fraction >= 0 && inhibitory_fraction <= 1, "inhibitory_fraction must lie in [0, 1]");
  require(!dale || (n_inhibitory() >= 2 && n() - n_inhibitory() >= 2),
          "dale=on needs at least 2 inhibitory and 2 excitatory neurons; inhibitory_fraction " +
              format_real(inhibitory_fraction) + " of " + std::to_string(n()) + " neurons gives " +
              std::to_string(n_inhibitory()) + " inhibitory");
}

const ParamTable<LifRnnConfig>& lif_params() {
  using C = LifRnnConfig;
  static const auto table =
      ParamTable<C>()
          .integer("n_lif", &C::n_lif, 0, 4096, "LIF neurons (neurons 0 .. n_lif-1); n_lif + n_alif in [1, 4096]")
          .integer("n_alif", &C::n_alif, 0, 4096, "ALIF neurons with an adaptive threshold (the last n_alif neurons)")
          .positive("dt", &C::dt, 1000.0, "ms per step (one task step is one step of the network)")
          .positive("tau_v", &C::tau_v, 1e9, "membrane time constant in ms: alpha = exp(-dt / tau_v)")
          .positive("tau_a", &C::tau_a, 1e9, "threshold adaptation time constant in ms: rho = exp(-dt / tau_a)")
          .real("tau_out", &C::tau_out, 0.0, 1e9,
                "readout time constant in ms: kappa = exp(-dt / tau_out); 0: no filter")
          .choice("readout_filter", &C::readout_average, {{"sum", false}, {"average", true}},
                  "sum: zf_t = kappa zf_{t-1} + z_t; average: zf_t = kappa zf_{t-1} + (1 - kappa) z_t, the leaky "
                  "average of Bellec et al.'s code (exp_convolve), whose readout weights are 1 / (1 - kappa) times "
                  "larger for the same output")
          .positive("v_th", &C::v_th, 1e6,
                    "base threshold (Bellec et al.'s evidence-accumulation value); the reset subtracts it")
          .custom(
              {"beta", "auto",
               "ALIF adaptation strength, A = v_th + beta a; auto: 1.7 (1 - rho) / (1 - alpha), Bellec et al.'s "
               "heuristic (0.0174 at the defaults)",
               "auto, or " + real_range(0.0, 1e6, false)},
              [](const Params& params, C& c) {
                if (params.text("beta") == "auto") {
                  c.beta = C::default_beta(c.dt, c.tau_v, c.tau_a);  // dt and the taus are read above
                  return;
                }
                try {
                  c.beta = params.real("beta", 0.0, 1e6);
                } catch (const std::invalid_argument& e) {
                  throw std::invalid_argument(std::string(e.what()) + " (or auto)");
                }
              },
              [](const C& c) { return format_real(c.beta); })
          .integer("refractory", &C::refractory, 1, kMaxTaskLength,
                   "steps from a spike to the next possible one; 1: no refractory period")
          .positive("gamma", &C::gamma, 1e6,
                    "pseudo-derivative height: psi = (gamma / v_th) max(0, 1 - |v - A| / v_th)")
          .real("rate_reg", &C::rate_reg, 0.0, 1e9,
                "weight c_reg of the firing-rate regulariser c_reg sum_j (f_j - f0)^2 (f in 1/ms); 0: off")
          .real("rate_target", &C::rate_target, 0.0, 1e6, "target firing rate f0 in Hz")
          .real("init_in_scale", &C::init_in_scale, 0.0, 1e6, "W_in ~ N(0, init_in_scale^2 / m)")
          .real("init_rec_scale", &C::init_rec_scale, 0.0, 1e6, "W_rec ~ N(0, init_rec_scale^2 / n), diagonal 0")
          .real("inhibitory_fraction", &C::inhibitory_fraction, 0.0, 1.0,
                "the first round(inhibitory_fraction n) neurons are inhibitory (cell type 1), the rest excitatory "
                "(type 0): the types mdgl modulates by, and the signs dale=on enforces")
          .choice("dale", &C::dale, {{"off", false}, {"on", true}},
                  "on: Dale's law, each neuron's outgoing W_rec weights have its type's sign (balanced signed "
                  "initialisation; an update that flips a weight's sign sets it to 0); needs at least 2 neurons of each type");
  return table;
}

LifRnnConfig parse_lif_config(const Params& params) {
  const LifRnnConfig c = lif_params().read(params);
  if (c.n() < 1) throw params.constraint_error("n_lif + n_alif must be at least 1");
  if (c.n() > 4096) throw params.constraint_error("n_lif + n_alif must be at most 4096");
  if (c.dale && (c.n_inhibitory() < 2 || c.n() - c.n_inhibitory() < 2))
    throw params.constraint_error("dale=on needs at least 2 inhibitory and 2 excitatory neurons; inhibitory_fraction " +
                                  format_real(c.inhibitory_fraction) + " of " + std::to_string(c.n()) +
                                  " neurons gives " + std::to_string(c.n_inhibitory()));
  return c;
}

LifRnnParams init_lif_params(const LifRnnConfig& config, uint64_t seed, DType dtype, Device device) {
  config.validate();
  const int n = config.n(), m = config.m, o = config.o, k = config.k();
  Philox rng(seed, RandomStream::parameters, 0);
  std::vector<double> W(static_cast<size_t>(n) * k);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double w = config.init_rec_scale / std::sqrt(n) * rng.normal();
      W[i * k + j] = i == j ? 0.0 : w;
    }
    for (int j = 0; j < m; ++j) W[i * k + n + j] = config.init_in_scale / std::sqrt(m) * rng.normal();
  }
  if (config.dale) apply_dale_init(config, W);
  std::vector<double> W_outb(static_cast<size_t>(o) * (n + 1), 0.0);
  for (int i = 0; i < o; ++i)
    for (int j = 0; j < n; ++j) W_outb[i * (n + 1) + j] = rng.normal() / std::sqrt(n);
  return {Tensor::from_host(W, {n, k}, dtype, device), Tensor::from_host(W_outb, {o, n + 1}, dtype, device)};
}

std::vector<ParamGroup> lif_param_groups(const LifRnnConfig& c) {
  return {{"W_rec", false, 0, c.n(), true}, {"W_in", false, c.n(), c.m}, {"W_out", true, 0, c.n()}, {"b_out", true, c.n(), 1}};
}

void LifRnn::constrain(NetworkParams& params) const {
  if (!config_.dale) return;
  const int n = config_.n(), k = config_.k(), n_I = config_.n_inhibitory();
  std::vector<double> W = params.W.to_host();
  bool changed = false;
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < n; ++p) {
      double& w = W[static_cast<size_t>(i) * k + p];
      if ((p < n_I && w > 0) || (p >= n_I && w < 0)) {
        w = 0.0;
        changed = true;
      }
    }
  if (changed) ops::copy(params.W, Tensor::from_host(W, params.W.shape(), params.W.dtype(), params.W.device()));
}

nlohmann::json LifRnn::description() const {
  nlohmann::json d = {{"model", "lif"}};
  for (const auto& [key, value] : lif_params().text(config_)) d["config"][key] = value;
  return d;
}

LifRnn::LifRnn(const LifRnnConfig& config, DType dtype, Device device)
    : config_(config), dtype_(dtype), device_(device) {
  config_.validate();
  std::vector<double> beta(static_cast<size_t>(config_.n()), 0.0);
  for (int j = config_.n_lif; j < config_.n(); ++j) beta[j] = config_.beta;
  state_.beta = Tensor::from_host(beta, {config_.n()}, dtype, device);
}

void LifRnn::begin(int batch_size) {
  if (batch_size < 1) throw std::invalid_argument("LifRnn: batch size must be at least 1");
  const int n = config_.n(), o = config_.o;
  LifStepState& s = state_;
  if (batch_size != B_) {
    B_ = batch_size;
    s.zhat = Tensor({B_, config_.k()}, dtype_, device_);
    for (Tensor* t : {&s.I, &s.v, &s.a, &s.z, &s.psi, &s.refractory, &s.zf, &s.c, &s.spike_count})
      *t = Tensor({B_, n}, dtype_, device_);
    s.zfone = Tensor({B_, n + 1}, dtype_, device_);
    s.y = Tensor({B_, o}, dtype_, device_);
    s.e = Tensor({B_, o}, dtype_, device_);
    no_input_ = Tensor({B_, 0}, dtype_, device_);
    loss_sum_ = Tensor({B_}, DType::f64, device_);
  }
  for (Tensor* t : {&s.v, &s.a, &s.z, &s.refractory, &s.zf, &s.spike_count}) ops::fill(*t, 0.0);
  ops::fill(loss_sum_, 0.0);
  s.steps = 0;
}

void LifRnn::resume() {
  if (B_ < 1) throw std::logic_error("LifRnn::resume before begin");
  ops::fill(state_.spike_count, 0.0);
  ops::fill(loss_sum_, 0.0);
  state_.steps = 0;
}

void LifRnn::step(const LifRnnParams& params, const DeviceBatch& batch, int t) {
  const int B = B_, n = config_.n(), o = config_.o, k = config_.k();
  if (batch.B != B) throw std::invalid_argument("LifRnn::step: batch size differs from begin()");
  if (t != state_.steps) throw std::invalid_argument("LifRnn::step: steps must be taken in order from 0");
  if (t >= batch.T) throw std::out_of_range("LifRnn::step: step outside the batch");
  if (params.W.shape() != std::vector<int64_t>{n, k} || params.W_outb.shape() != std::vector<int64_t>{o, n + 1})
    throw std::invalid_argument("LifRnn::step: parameters do not match the network's sizes");
  LifStepState& s = state_;
  const Tensor x = batch.inputs.slice(t);
  if (x.dim(1) != config_.m) throw std::invalid_argument("LifRnn::step: input size differs from m");

  ops::concat_columns(s.zhat, s.z, x);                                        // [z_{t-1}; x_t]
  ops::gemm(false, true, B, n, k, 1.0, s.zhat, k, params.W, k, 0.0, s.I, n);  // I = zhat W^T
  ops::lif_step(s.v, s.a, s.z, s.psi, s.refractory, s.I, s.beta, config_.constants());
  ops::scale(s.zf, config_.kappa());  // zf = kappa zf + g z
  ops::axpy(config_.readout_gain(), s.z, s.zf);
  ops::axpy(1.0, s.z, s.spike_count);
  ops::build_presynaptic(s.zfone, s.zf, no_input_);  // [zf_t; 1]
  ops::gemm(false, true, B, o, n + 1, 1.0, s.zfone, n + 1, params.W_outb, n + 1, 0.0, s.y, o);
  ops::output_error(s.e, s.y, batch.targets.slice(t), batch.mask.slice(t), config_.loss, 1.0 / B, loss_sum_);
  ops::gemm(false, false, B, n, o, config_.readout_gain(), s.e, o, params.W_outb, n + 1, 0.0, s.c, n);  // c = g e W_out
  ++s.steps;
}

double LifRnn::task_loss() const {
  double total = 0.0;
  for (double l : loss_sum_.to_host()) total += l;
  return total;
}

double LifRnn::rate_loss() const {
  if (config_.rate_reg == 0.0 || state_.steps == 0) return 0.0;
  const int n = config_.n();
  const std::vector<double> counts = state_.spike_count.to_host();
  const double per = 1.0 / (static_cast<double>(state_.steps) * B_ * config_.dt);
  const double f0 = config_.rate_target / 1000.0;
  double R = 0.0;
  for (int j = 0; j < n; ++j) {
    double count = 0.0;
    for (int b = 0; b < B_; ++b) count += counts[static_cast<size_t>(b) * n + j];
    const double d = count * per - f0;
    R += d * d;
  }
  return config_.rate_reg * R;
}

double LifRnn::window_loss() const { return task_loss() + rate_loss(); }

void rate_regulariser_signal(const LifRnnConfig& config, const Tensor& spike_count, int steps, const Tensor& ones,
                             Tensor& out) {
  const int64_t B = spike_count.dim(0), n = spike_count.dim(1);
  if (steps < 1) throw std::logic_error("rate_regulariser_signal: no steps taken");
  const double per = 1.0 / (static_cast<double>(steps) * B * config.dt);  // 1 / (T B dt)
  const double f0 = config.rate_target / 1000.0;
  // out = 2 c per (per sum_b count - f0)
  ops::fill(out, -2.0 * config.rate_reg * per * f0);
  ops::gemv(true, B, n, 2.0 * config.rate_reg * per * per, spike_count, n, ones, 1.0, out);
}

}  // namespace tca
