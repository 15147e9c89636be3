#include "algorithms/lif_eprop.h"

#include <climits>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "algorithms/registry.h"
#include "algorithms/local_trace.h"
#include "kernels/ops.h"

namespace tca {

const ParamTable<LifFeedbackConfig>& lif_feedback_params() {
  static const auto table =
      ParamTable<LifFeedbackConfig>()
          .choice("feedback_init", &LifFeedbackConfig::init,
                  {{"readout", LifFeedbackInit::readout}, {"unit", LifFeedbackInit::unit}},
                  "readout: B_0 entries ~ N(0, feedback_scale^2 / n), W_out's init distribution at scale 1; unit: "
                  "N(0, feedback_scale^2), as Bellec et al.'s code draws them (numpy.random.randn)")
          .positive("feedback_scale", &LifFeedbackConfig::scale, 1e6, "standard deviation factor of B_0's entries")
          .integer("feedback_seed", &LifFeedbackConfig::seed, 0, LONG_MAX,
                   "seed of B_0: entry (j, l) is standard normal draw j*o + l of Philox(feedback_seed, feedback "
                   "stream, 0), times the scale (as rflo's)");
  return table;
}

LifEprop::LifEprop(const LifRnnConfig& config, DType dtype, Device device, LifFeedback feedback,
                   const LifFeedbackConfig& matrix)
    : LifRule(config, dtype, device), feedback_(feedback), matrix_(matrix) {
  if (feedback_ != LifFeedback::symmetric)
    // random_feedback_matrix draws N(0, scale^2 / n); unit asks for N(0, scale^2).
    B_host_ = random_feedback_matrix(
        config.n(), config.o,
        matrix_.init == LifFeedbackInit::unit ? matrix_.scale * std::sqrt(static_cast<double>(config.n())) : matrix_.scale,
        matrix_.seed);
}

std::string LifEprop::id() const {
  switch (feedback_) {
    case LifFeedback::symmetric: return "eprop";
    case LifFeedback::random: return "eprop_random";
    case LifFeedback::adaptive: return "eprop_adaptive";
  }
  return "eprop";
}

std::map<std::string, std::string> LifEprop::config() const {
  if (feedback_ == LifFeedback::symmetric) return {};
  return lif_feedback_params().text(matrix_);
}

const std::vector<double>& LifEprop::feedback_matrix() const {
  if (feedback_ == LifFeedback::symmetric) throw std::logic_error("eprop: symmetric feedback has no matrix of its own");
  return B_host_;
}

void LifEprop::set_feedback_matrix(const std::vector<double>& B) {
  if (feedback_ == LifFeedback::symmetric) throw std::logic_error("eprop: symmetric feedback has no matrix of its own");
  if (B.size() != B_host_.size()) throw std::invalid_argument(id() + ": the feedback matrix must be n x o");
  B_host_ = B;
}

void LifEprop::follow_training_step(const std::vector<double>& before, const std::vector<double>& after,
                                    double weight_decay) {
  if (feedback_ != LifFeedback::adaptive) return;
  const int n = config_.n(), o = config_.o;
  if (before.size() != static_cast<size_t>(o) * (n + 1) || after.size() != before.size())
    throw std::invalid_argument("eprop_adaptive: W_outb must be o x (n + 1)");
  // Kolen-Pollack: B gets W_out^T's update, -step - d W_out^T = (after - before)^T, with its own decay -d B.
  for (int j = 0; j < n; ++j) {
    for (int l = 0; l < o; ++l) {
      const double w0 = before[static_cast<size_t>(l) * (n + 1) + j], w1 = after[static_cast<size_t>(l) * (n + 1) + j];
      double& b = B_host_[static_cast<size_t>(j) * o + l];
      b += (w1 - w0) - weight_decay * (b - w0);
    }
  }
}

void LifEprop::reset_state(int batch_size, uint64_t /*noise_seed: deterministic rule*/) {
  const int n = config_.n(), k = config_.k(), o = config_.o;
  if (!ebar_.defined() || ebar_.dim(0) != batch_size) {
    eps_a_ = Tensor({batch_size, n, k}, dtype_, device_);
    ebar_ = Tensor({batch_size, n, k}, dtype_, device_);
    zbar_ = Tensor({batch_size, k}, dtype_, device_);
    zbar_prev_ = Tensor({batch_size, k}, dtype_, device_);
    psi_prev_ = Tensor({batch_size, n}, dtype_, device_);
    if (feedback_ != LifFeedback::symmetric) signal_ = Tensor({batch_size, n}, dtype_, device_);
  }
  if (regularised() && !esum_.defined()) esum_ = Tensor({n, k}, dtype_, device_);
  if (feedback_ != LifFeedback::symmetric) B_fb_ = Tensor::from_host(B_host_, {n, o}, dtype_, device_);
  for (Tensor* t : {&eps_a_, &ebar_, &zbar_, &psi_prev_}) ops::fill(*t, 0.0);
  if (esum_.defined()) ops::fill(esum_, 0.0);
}

void LifEprop::accumulate(const LifStepState& s) {
  const int n = config_.n(), o = config_.o;
  std::swap(zbar_, zbar_prev_);  // zbar_t = alpha zbar_{t-1} + zhat_t
  ops::copy(zbar_, zbar_prev_);
  ops::scale(zbar_, config_.alpha());
  ops::axpy(1.0, s.zhat, zbar_);
  Tensor no_sum;
  ops::eprop_trace_step(eps_a_, ebar_, regularised() ? esum_ : no_sum, zbar_prev_, zbar_, psi_prev_, s.psi, s.beta,
                        config_.rho(), config_.kappa());
  if (feedback_ == LifFeedback::symmetric) {
    ops::add_signal_times_trace(grad_.W, s.c, ebar_);  // L = c = e W_out
  } else {
    ops::gemm(false, true, B_, n, o, config_.readout_gain(), s.e, o, B_fb_, o, 0.0, signal_, n);  // L = g e B^T
    ops::add_signal_times_trace(grad_.W, signal_, ebar_);
  }
  ops::copy(psi_prev_, s.psi);
}

void LifEprop::finish_window(const Tensor& reg) {
  if (!reg.defined()) return;
  const int n = config_.n(), k = config_.k();
  ops::add_signal_times_trace(grad_.W, reg.reshape({1, n}), esum_.reshape({1, n, k}));  // gW += diag(reg) esum
}

size_t LifEprop::state_bytes(int /*T*/) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n(), k = config_.k(), o = config_.o;
  size_t values = 2 * B * n * k + 2 * B * k + B * n;
  if (regularised()) values += n * k;
  if (feedback_ != LifFeedback::symmetric) values += B * n + n * o;
  return values * dtype_size(dtype_);
}

double LifEprop::flops_per_step() const {
  const double n = config_.n(), k = config_.k(), o = config_.o;
  double flops = 3 * k                // zbar
                 + 10 * n * k         // eps^a, e, ebar (and esum)
                 + 2 * n * k;         // gW += diag(L) ebar
  if (feedback_ != LifFeedback::symmetric) flops += 2 * n * o;  // L = B e
  return flops;
}

}  // namespace tca

namespace tca {

namespace {

std::unique_ptr<LifRule> make_with_feedback(const LifRnnConfig& config, DType dtype, Device device,
                                            const Params& params, LifFeedback feedback) {
  return std::make_unique<LifEprop>(config, dtype, device, feedback, lif_feedback_params().read(params));
}

}  // namespace

const RuleInfo& lif_eprop_info() {
  static const RuleInfo info{
      "eprop",
      "e-prop (Bellec et al. 2020): LIF/ALIF eligibility traces filtered by the readout, learning signal W_out^T e "
      "(symmetric feedback), firing-rate regulariser through the traces",
      false,
      {}};
  return info;
}

std::unique_ptr<LifRule> make_lif_eprop(const LifRnnConfig& config, DType dtype, Device device, const Params&) {
  return std::make_unique<LifEprop>(config, dtype, device, LifFeedback::symmetric);
}

const RuleInfo& lif_eprop_random_info() {
  static const RuleInfo info{"eprop_random", "e-prop with a fixed random feedback matrix B_0 (n x o)", false,
                             lif_feedback_params().docs()};
  return info;
}

std::unique_ptr<LifRule> make_lif_eprop_random(const LifRnnConfig& config, DType dtype, Device device,
                                                    const Params& params) {
  return make_with_feedback(config, dtype, device, params, LifFeedback::random);
}

const RuleInfo& lif_eprop_adaptive_info() {
  static const RuleInfo info{
      "eprop_adaptive",
      "e-prop with adaptive (Kolen-Pollack) feedback: B starts at B_0 and follows W_out^T's training updates and "
      "weight decay; in the probe, B = B_0 + (W_out - W_out,0)^T",
      false, lif_feedback_params().docs()};
  return info;
}

std::unique_ptr<LifRule> make_lif_eprop_adaptive(const LifRnnConfig& config, DType dtype, Device device,
                                                      const Params& params) {
  return make_with_feedback(config, dtype, device, params, LifFeedback::adaptive);
}

}  // namespace tca
