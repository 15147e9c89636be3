#include "algorithms/dni.h"

#include <climits>
#include <cmath>
#include <stdexcept>

#include "algorithms/local_trace.h"
#include "algorithms/registry.h"
#include "kernels/ops.h"

namespace tca {

Dni::Dni(const RateRnnConfig& config, DType dtype, Device device, const DniConfig& dni)
    : RateRule(config, dtype, device), dni_(dni) {
  const int n = config.n, cols = config.n + config.o + 1;
  // random_feedback_matrix draws N(0, scale^2 / rows): rescaled to N(0, init_scale^2 / cols).
  const std::vector<double> A =
      random_feedback_matrix(n, cols, dni.init_scale * std::sqrt(static_cast<double>(n) / cols), dni.init_seed);
  A_ = Tensor::from_host(A, {n, cols}, dtype, device);
  A_bar_ = A_.clone();
}

std::map<std::string, std::string> Dni::config() const { return dni_params().text(dni_); }

void Dni::set_module(const std::vector<double>& A) {
  if (A.size() != static_cast<size_t>(A_.numel())) throw std::invalid_argument("dni: the module must be n x (n + o + 1)");
  ops::copy(A_, Tensor::from_host(A, A_.shape(), dtype_, device_));
  ops::copy(A_bar_, A_);
  refresh_count_ = 0;
}

void Dni::synthetic_gradient(Tensor& sg, const Tensor& atil, int /*t*/) {
  const int64_t B = atil.dim(0), n = config_.n, cols = atil.dim(1);
  ops::gemm(false, true, B, n, cols, 1.0, atil, cols, A_, cols, 0.0, sg, n);
}

void Dni::reset_state(int batch_size, uint64_t /*noise_seed: deterministic rule*/) {
  const int n = config_.n, cols = config_.n + config_.o + 1;
  if (!sg_.defined() || sg_.dim(0) != batch_size) {
    atil_ = Tensor({batch_size, cols}, dtype_, device_);
    atil_prev_ = Tensor({batch_size, cols}, dtype_, device_);
    for (Tensor* t : {&sg_, &c_prev_, &target_, &work_}) *t = Tensor({batch_size, n}, dtype_, device_);
  }
  has_prev_ = false;  // new sequences: nothing to bootstrap from
  step_ = 0;
  batch_ = nullptr;
}

// One step of the module's learning: the target of the last step's prediction, c_{t-1} + J^T
// Abar atil_t, in rows: target = c_{t-1} + v J with v = atil_t Abar^T; the exact J_t gives
// v J_t = (1 - alpha) v + alpha (v D_t) W_rec.
void Dni::learn(const StepState& s) {
  const int B = B_, n = config_.n, k = config_.k(), cols = config_.n + config_.o + 1;
  const double alpha = config_.alpha;
  if (dni_.learned_jacobian) learn_jacobian(s);
  ops::gemm(false, true, B, n, cols, 1.0, atil_, cols, A_bar_, cols, 0.0, work_, n);  // v
  if (dni_.learned_jacobian) {
    ops::gemm(false, false, B, n, n, 1.0, work_, n, J_, n, 0.0, target_, n);  // v J
  } else {
    ops::copy(target_, work_);
    ops::scale(target_, 1.0 - alpha);
    ops::mul(work_, work_, s.dphi, 1.0);                                                // v D
    ops::gemm(false, false, B, n, n, alpha, work_, n, params_->W, k, 1.0, target_, n);  // + alpha (v D) W_rec
  }
  ops::axpy(1.0, c_prev_, target_);
  // A -= lr / B sum_b (A atil_{t-1} - target) atil_{t-1}^T
  ops::gemm(false, true, B, n, cols, 1.0, atil_prev_, cols, A_, cols, 0.0, work_, n);
  ops::axpy(-1.0, target_, work_);
  ops::gemm(true, false, n, cols, B, -dni_.lr / B, work_, n, atil_prev_, cols, 1.0, A_, cols);
  if (++refresh_count_ >= dni_.refresh) {
    ops::copy(A_bar_, A_);
    refresh_count_ = 0;
  }
}

// J -= jacobian_lr / B sum_b (J a_{t-1} - a_t) a_{t-1}^T, with a_{t-1} the first n columns of
// atil_{t-1}. J starts at W_rec, the first n columns of W.
void Dni::learn_jacobian(const StepState& s) {
  const int B = B_, n = config_.n, k = config_.k(), cols = config_.n + config_.o + 1;
  if (!J_.defined()) {
    const std::vector<double> W = params_->W.to_host();
    std::vector<double> W_rec(static_cast<size_t>(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) W_rec[static_cast<size_t>(i) * n + j] = W[static_cast<size_t>(i) * k + j];
    J_ = Tensor::from_host(W_rec, {n, n}, dtype_, device_);
  }
  ops::gemm(false, true, B, n, n, 1.0, atil_prev_, cols, J_, n, 0.0, work_, n);  // J a_{t-1}, in rows
  ops::axpy(-1.0, s.a, work_);
  ops::gemm(true, false, n, n, B, -dni_.jacobian_lr / B, work_, n, atil_prev_, cols, 1.0, J_, n);
}

void Dni::accumulate(const StepState& s) {
  const int B = B_, n = config_.n, k = config_.k();
  if (!batch_) throw std::logic_error("dni: no batch attached (run the window with run_window)");
  ops::build_presynaptic(atil_, s.a, batch_->targets.slice(step_));  // [a_t; y*_t; 1]
  if (adapting_ && has_prev_) learn(s);
  synthetic_gradient(sg_, atil_, step_);
  ops::mul(work_, sg_, s.dphi, config_.alpha);  // alpha D sg
  ops::gemm(true, false, n, k, B, 1.0, work_, n, s.ahat, k, 1.0, grad_.W, k);
  ops::copy(atil_prev_, atil_);
  ops::copy(c_prev_, s.c);
  has_prev_ = true;
  ++step_;
}

size_t Dni::state_bytes(int /*T*/) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n, cols = config_.n + config_.o + 1;
  const size_t jacobian = dni_.learned_jacobian ? n * n : 0;
  return (2 * n * cols + jacobian + 2 * B * cols + 4 * B * n) * dtype_size(dtype_);
}

double Dni::flops_per_step() const {
  const double n = config_.n, k = config_.k(), cols = config_.n + config_.o + 1;
  double flops = 2 * n * cols  // sg
                 + 2 * n * k   // gW
                 + 2 * n;
  if (adapting_) {
    flops += 2 * n * cols * 3 + 2 * n * n + 6 * n;  // target, prediction, A's step
    if (dni_.learned_jacobian) flops += 4 * n * n + n;  // J's prediction and step
  }
  return flops;
}

const ParamTable<DniConfig>& dni_params() {
  static const auto table =
      ParamTable<DniConfig>()
          .positive("lr", &DniConfig::lr, 1e3, "learning rate of the synthetic-gradient module A")
          .integer("refresh", &DniConfig::refresh, 1, INT_MAX,
                   "steps between copies of A into the copy that makes the bootstrapped targets (vanilla-rtrl: 5)")
          .real("init_scale", &DniConfig::init_scale, 0.0, 1e6,
                "A's initial entries ~ N(0, init_scale^2 / (n + o + 1)); 0: A starts at 0")
          .integer("init_seed", &DniConfig::init_seed, 0, LONG_MAX, "seed of A's initial draws (Philox, feedback stream)")
          .choice("jacobian", &DniConfig::learned_jacobian, {{"exact", false}, {"learned", true}},
                  "the Jacobian that carries the bootstrapped target one step back: exact, or learned (the local "
                  "version of Marschall, Cho & Savin 2019: J -= jacobian_lr (J a_prev - a) a_prev^T, from W_rec)")
          .real("jacobian_lr", &DniConfig::jacobian_lr, 0.0, 1e3,
                "learning rate of the learned Jacobian (jacobian=learned; 0: J stays at W_rec)");
  return table;
}

const RuleInfo& dni_info() {
  static const RuleInfo info{
      "dni",
      "synthetic gradients, DNI (Jaderberg et al. 2017): a linear module predicts the state's credit from [a; y*; "
      "1], gW += (alpha D sg) ahat^T; the module learns by bootstrapping one step ahead through the exact Jacobian "
      "or, jacobian=learned, a learned one (Marschall, Cho & Savin 2019's local version)",
      false, dni_params().docs()};
  return info;
}

std::unique_ptr<RateRule> make_dni(const RateRnnConfig& config, DType dtype, Device device, const Params& params) {
  return std::make_unique<Dni>(config, dtype, device, dni_params().read(params));
}

}  // namespace tca
