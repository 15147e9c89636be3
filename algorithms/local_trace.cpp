#include "algorithms/local_trace.h"

#include <climits>
#include <cmath>
#include <stdexcept>

#include "kernels/ops.h"
#include "kernels/philox.h"

namespace tca {

namespace {

ParamTable<FeedbackConfig> make_feedback_params(FeedbackKind default_kind) {
  FeedbackConfig defaults;
  defaults.kind = default_kind;
  return ParamTable<FeedbackConfig>(defaults)
      .choice("feedback", &FeedbackConfig::kind,
              {{"random", FeedbackKind::random}, {"symmetric", FeedbackKind::symmetric}},
              "learning signal L_t = B_fb e_t: 'symmetric' uses B_fb = W_out^T (L_t = c_t, the exact hidden error), "
              "'random' a fixed random n x o matrix")
      .positive("feedback_scale", &FeedbackConfig::scale, 1e6,
                "random B_fb entries ~ N(0, feedback_scale^2 / n), W_out^T's init distribution at 1; ignored when "
                "feedback=symmetric")
      .integer("feedback_seed", &FeedbackConfig::seed, 0, LONG_MAX,
               "seed of B_fb: entry (i, l) is standard normal draw i*o + l of Philox(feedback_seed, feedback stream, "
               "0), times the scale; independent of the noise seed; ignored when feedback=symmetric");
}

}  // namespace

const ParamTable<FeedbackConfig>& feedback_params(FeedbackKind default_kind) {
  static const ParamTable<FeedbackConfig> random = make_feedback_params(FeedbackKind::random);
  static const ParamTable<FeedbackConfig> symmetric = make_feedback_params(FeedbackKind::symmetric);
  return default_kind == FeedbackKind::random ? random : symmetric;
}

std::vector<double> random_feedback_matrix(int n, int o, double scale, uint64_t seed) {
  Philox rng(seed, RandomStream::feedback, 0);
  std::vector<double> B(static_cast<size_t>(n) * o);
  const double sd = scale / std::sqrt(static_cast<double>(n));
  for (double& value : B) value = sd * rng.normal();  // row-major: (i, l) is draw i * o + l
  return B;
}

LocalTraceRule::LocalTraceRule(const RateRnnConfig& config, DType dtype, Device device,
                               TraceDecay decay, std::optional<FeedbackConfig> feedback)
    : RateRule(config, dtype, device), decay_kind_(decay), feedback_(feedback) {
  if (random_signal()) {
    B_fb_ = Tensor::from_host(random_feedback_matrix(config.n, config.o, feedback_->scale, feedback_->seed),
                              {config.n, config.o}, dtype, device);
  }
}

std::map<std::string, std::string> LocalTraceRule::config() const {
  if (!feedback_) return {};
  return feedback_params(feedback_->kind).text(*feedback_);
}

void LocalTraceRule::reset_state(int batch_size, uint64_t /*noise_seed: deterministic rule*/) {
  const int n = config_.n, k = config_.k();
  if (!E_.defined() || E_.dim(0) != batch_size) {
    E_ = Tensor({batch_size, n, k}, dtype_, device_);
    decay_ = Tensor({batch_size, n}, dtype_, device_);
    if (random_signal()) signal_ = Tensor({batch_size, n}, dtype_, device_);
  }
  ops::fill(E_, 0.0);
  if (decay_kind_ == TraceDecay::leak) ops::fill(decay_, 1.0 - config_.alpha);
}

void LocalTraceRule::accumulate(const StepState& s) {
  const double alpha = config_.alpha;
  if (decay_kind_ == TraceDecay::jacobian_diagonal)
    ops::jacobian_diagonal(decay_, params_->W, s.dphi, alpha);  // d_t = diag(J_t)
  // E = diag(d) E + D ahat^T, then gW += sum_b diag(L_b) E_b, in one pass over E.
  if (random_signal()) {
    const int n = config_.n, o = config_.o;
    ops::gemm(false, true, B_, n, o, 1.0, s.e, o, B_fb_, o, 0.0, signal_, n);  // L = e B_fb^T
    ops::trace_step_and_gradient(E_, grad_.W, decay_, s.dphi, s.ahat, signal_, alpha);
  } else {
    ops::trace_step_and_gradient(E_, grad_.W, decay_, s.dphi, s.ahat, s.c, alpha);  // L = c = e W_out
  }
}

size_t LocalTraceRule::state_bytes(int /*T*/) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n, k = config_.k(), o = config_.o;
  size_t values = B * n * k + B * n;        // E and the decay
  if (random_signal()) values += B * n + n * o;  // L and B_fb
  return values * dtype_size(dtype_);
}

double LocalTraceRule::flops_per_step() const {
  const double n = config_.n, k = config_.k(), o = config_.o;
  double flops = 3 * n * k + n  // E = d E + (alpha dphi) ahat^T: alpha dphi per row, 3 per entry
                 + 2 * n * k;   // gW += diag(L) E
  if (decay_kind_ == TraceDecay::jacobian_diagonal) flops += 3 * n;  // (1-alpha) + alpha dphi W_ii
  if (random_signal()) flops += 2 * n * o;                           // L = B_fb e
  return flops;
}

}  // namespace tca
