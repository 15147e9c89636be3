// Shared machinery of the per-synapse-trace rules rflo, eprop and snap1 (one file each:
// algorithms/rflo.h, eprop.h, snap1.h). All three keep one n x k trace per sequence,
//   E_t = diag(d_t) E_{t-1} + D_t ahat_t^T,   D_t = alpha diag phi'(h_t),   E_0 = 0,
// and estimate the recurrent gradient as
//   gW = sum_t diag(L_t) E_t,
// differing only in the decay d_t and the learning signal L_t:
//   decay  leak:     d_t,i = 1 - alpha                                   (rflo)
//          jacobian: d_t,i = J_t[i,i] = (1 - alpha) + alpha phi'(h_t,i) W_rec[i,i]  (eprop, snap1)
//   signal exact:    L_t = c_t = W_out^T e_t   (snap1; eprop and rflo with feedback=symmetric)
//          random:   L_t = B_fb e_t with a fixed random n x o matrix B_fb (feedback=random)
// The step is two backend ops (ops::eligibility_trace_step, ops::add_signal_times_trace), plus
// ops::jacobian_diagonal for the jacobian decay and one GEMM for a random learning signal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/rate_rule.h"
#include "core/param_table.h"

namespace tca {

// ---- the learning signal's feedback matrix (rflo and eprop) --------------------------------
enum class FeedbackKind { symmetric, random };

struct FeedbackConfig {
  FeedbackKind kind = FeedbackKind::random;
  double scale = 1.0;  // random B_fb entries ~ N(0, scale^2 / n)
  uint64_t seed = 0;   // B_fb comes from Philox(seed, RandomStream::feedback, 0)
};

// The hyperparameters 'feedback', 'feedback_scale' and 'feedback_seed', shared by rflo and
// eprop, which differ only in the default feedback kind.
const ParamTable<FeedbackConfig>& feedback_params(FeedbackKind default_kind);

// The random feedback matrix B_fb (n x o, row-major, host doubles). Layout: one Philox stream
// Philox(seed, RandomStream::feedback, 0); entry (i, l) is the (i * o + l)-th call of
// Philox::normal() (rows in order, outputs within a row), times scale / sqrt(n). The variance
// scale^2 / n is that of W_out^T at initialisation (W_out ~ N(0, 1/n)), so at scale 1 the random
// learning signal B_fb e has the statistics of the exact one W_out^T e. Drawn in double and
// rounded to the run's dtype afterwards, so every backend and precision gets the same matrix.
std::vector<double> random_feedback_matrix(int n, int o, double scale, uint64_t seed);

// ---- the rule ----------------------------------------------------------------------------
enum class TraceDecay { leak, jacobian_diagonal };

class LocalTraceRule : public RateRule {
 public:
  std::map<std::string, std::string> config() const override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 protected:
  // feedback: nullopt means the exact hidden error c_t with no hyperparameters (snap1).
  LocalTraceRule(const RateRnnConfig& config, DType dtype, Device device, TraceDecay decay,
                 std::optional<FeedbackConfig> feedback);

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const StepState& s) override;
  bool random_signal() const { return feedback_ && feedback_->kind == FeedbackKind::random; }

  TraceDecay decay_kind_;
  std::optional<FeedbackConfig> feedback_;
  Tensor E_;       // [B, n, k] the trace of every sequence
  Tensor decay_;   // [B, n] d_t (constant 1 - alpha for the leak)
  Tensor signal_;  // [B, n] L_t = e_t B_fb^T (random feedback only)
  Tensor B_fb_;    // [n, o] (random feedback only)
};

}  // namespace tca
