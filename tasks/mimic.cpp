// mimic-v0: imitate a fixed random teacher RNN (Marschall, Cho & Savin 2020, JMLR, "A unified
// framework of online learning algorithms for training recurrent neural networks"; their
// Mimic_RNN task in github.com/omarschall/vanilla-rtrl, gen_data/Mimic_RNN.py).
//
// Inputs m = `inputs` channels, each x_t,i ~ Bernoulli(input_probability) independently on
// every step. Targets o = `outputs`: the outputs of a fixed teacher network driven by the same
// inputs from a zero state, which is the leaky rate RNN of models/rate_rnn.h with identity
// readout:
//   a_t = (1 - teacher_alpha) a_{t-1} + teacher_alpha tanh(W_rec a_{t-1} + W_in x_t + b)
//   y_t = W_out a_t + b_out,    a_{-1} = 0,
// computed in double on the CPU. MSE on every step (loss mask 1 everywhere).
//
// The teacher (teacher_hidden units) is drawn once per task from teacher_seed, with the
// distributions and draw order of init_params() in models/rate_rnn.cpp: row by row W_rec ~
// N(0, teacher_gain^2 / n), W_in ~ N(0, 1 / m), b ~ N(0, teacher_bias^2), then W_out ~
// N(0, 1 / n), b_out ~ N(0, teacher_bias^2). The draws come from the "task" Philox stream
// (step tagged with bit 63), not the "parameters" stream init_params() uses, so a student
// initialised with --seed equal to teacher_seed does not start at the teacher.
// Marschall et al.'s teacher differs in one respect: an orthogonal W_rec (all singular values
// 1) where this one is Gaussian with spectral radius about teacher_gain; the sizes (32 inputs,
// 32 hidden units, 32 outputs), input probability 1/2 and bias sd 0.1 are theirs.
//
// Parameters:
//   T                  steps (default 100)
//   inputs             input channels m, in [1, 1024] (default 32)
//   outputs            output channels o, in [1, 1024] (default 32)
//   input_probability  P(x_t,i = 1), in [0, 1] (default 0.5)
//   teacher_hidden     teacher units, in [1, 1024] (default 32)
//   teacher_gain       scale of the teacher's W_rec, >= 0 (default 1)
//   teacher_alpha      teacher's leak, in (0, 1] (default 1)
//   teacher_bias       sd of the teacher's biases b and b_out, >= 0 (default 0.1)
//   teacher_seed       seed of the teacher's weights, >= 0 (default 1)
//
// Metrics: "mse" mean over masked steps and output channels of (y - target)^2 (the model's
// loss l = 1/2 |y - target|^2 per step is o/2 times it); "baseline_mean" the mse of predicting
// each output channel's mean target over the batch's masked steps (the per-channel variance of
// the targets: what a network that ignores its inputs reaches at best on this batch).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/philox.h"
#include "tasks/mimic.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr long kMaxChannels = 1024;
// Step tag of the teacher's weight generator (per-sequence generators use step = b < 2^31).
constexpr uint64_t kTeacherTag = uint64_t{1} << 63;

MimicTeacher draw_teacher(const Params& params) {
  MimicTeacher teacher;
  RateRnnConfig& c = teacher.config;
  c.n = static_cast<int>(params.integer("teacher_hidden", 1, kMaxChannels));
  c.m = static_cast<int>(params.integer("inputs", 1, kMaxChannels));
  c.o = static_cast<int>(params.integer("outputs", 1, kMaxChannels));
  c.alpha = params.real("teacher_alpha", 0.0, 1.0, /*exclusive_min=*/true);
  c.loss = LossKind::mse;
  const double gain = params.real("teacher_gain", 0.0, 1e6);
  const double bias = params.real("teacher_bias", 0.0, 1e6);
  const uint64_t seed = static_cast<uint64_t>(
      params.integer("teacher_seed", 0, std::numeric_limits<long>::max()));

  const int n = c.n, m = c.m, o = c.o, k = c.k();
  Philox rng(seed, RandomStream::task, kTeacherTag);
  teacher.W.resize(static_cast<size_t>(n) * k);
  for (int i = 0; i < n; ++i) {
    double* row = &teacher.W[static_cast<size_t>(i) * k];
    for (int j = 0; j < n; ++j) row[j] = gain / std::sqrt(n) * rng.normal();
    for (int j = 0; j < m; ++j) row[n + j] = rng.normal() / std::sqrt(m);
    row[n + m] = bias * rng.normal();
  }
  teacher.W_outb.resize(static_cast<size_t>(o) * (n + 1));
  for (int i = 0; i < o; ++i) {
    double* row = &teacher.W_outb[static_cast<size_t>(i) * (n + 1)];
    for (int j = 0; j < n; ++j) row[j] = rng.normal() / std::sqrt(n);
    row[n] = bias * rng.normal();
  }
  return teacher;
}

class MimicTask final : public Task {
 public:
  explicit MimicTask(const Params& params)
      : steps_(static_cast<int>(params.integer("T", 1, kMaxTaskLength))),
        input_probability_(params.real("input_probability", 0.0, 1.0)),
        gain_(params.real("teacher_gain", 0.0, 1e6)),
        bias_(params.real("teacher_bias", 0.0, 1e6)),
        seed_(params.integer("teacher_seed", 0, std::numeric_limits<long>::max())),
        teacher_(draw_teacher(params)) {}

  std::string id() const override { return "mimic-v0"; }
  int input_size() const override { return teacher_.config.m; }
  int output_size() const override { return teacher_.config.o; }
  int steps() const override { return steps_; }
  LossKind loss() const override { return LossKind::mse; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    std::fill(batch.loss_mask.begin(), batch.loss_mask.end(), 1.0);
    const RateRnnConfig& c = teacher_.config;
    const int n = c.n, m = c.m, o = c.o, k = c.k();
    std::vector<double> a(n), a_next(n);
    for (int b = 0; b < batch.B; ++b) {
      Philox rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      std::fill(a.begin(), a.end(), 0.0);
      for (int t = 0; t < batch.T; ++t) {
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        double* x = &batch.inputs[at * m];
        for (int j = 0; j < m; ++j) x[j] = rng.bernoulli(input_probability_) ? 1.0 : 0.0;
        for (int i = 0; i < n; ++i) {  // h = W [a_{t-1}; x_t; 1]
          const double* row = &teacher_.W[static_cast<size_t>(i) * k];
          double h = row[n + m];
          for (int j = 0; j < n; ++j) h += row[j] * a[j];
          for (int j = 0; j < m; ++j) h += row[n + j] * x[j];
          a_next[i] = (1.0 - c.alpha) * a[i] + c.alpha * std::tanh(h);
        }
        a.swap(a_next);
        double* y = &batch.targets[at * o];
        for (int i = 0; i < o; ++i) {  // y = W_out a_t + b_out
          const double* row = &teacher_.W_outb[static_cast<size_t>(i) * (n + 1)];
          double sum = row[n];
          for (int j = 0; j < n; ++j) sum += row[j] * a[j];
          y[i] = sum;
        }
      }
    }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch,
                                        const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    // Each channel's mask-weighted mean target, predicted on every step.
    std::vector<double> mean(batch.o, 0.0);
    double weight = 0.0;
    for (size_t at = 0; at < static_cast<size_t>(batch.T) * batch.B; ++at) {
      const double w = batch.loss_mask[at];
      for (int j = 0; j < batch.o; ++j) mean[j] += w * batch.targets[at * batch.o + j];
      weight += w;
    }
    std::vector<double> predict_mean(outputs.size());
    for (size_t at = 0; at < static_cast<size_t>(batch.T) * batch.B; ++at) {
      for (int j = 0; j < batch.o; ++j) {
        predict_mean[at * batch.o + j] = weight > 0.0 ? mean[j] / weight : 0.0;
      }
    }
    return {{"mse", mean_squared_error(batch, outputs)},
            {"baseline_mean", mean_squared_error(batch, predict_mean)}};
  }

  std::map<std::string, std::string> config() const override {
    const RateRnnConfig& c = teacher_.config;
    return {{"T", std::to_string(steps_)},
            {"inputs", std::to_string(c.m)},
            {"outputs", std::to_string(c.o)},
            {"input_probability", format_real(input_probability_)},
            {"teacher_hidden", std::to_string(c.n)},
            {"teacher_gain", format_real(gain_)},
            {"teacher_alpha", format_real(c.alpha)},
            {"teacher_bias", format_real(bias_)},
            {"teacher_seed", std::to_string(seed_)}};
  }

 private:
  int steps_;
  double input_probability_;
  double gain_;
  double bias_;
  long seed_;
  MimicTeacher teacher_;
};

}  // namespace

const TaskInfo& mimic_task_info() {
  static const TaskInfo info{
      "mimic-v0",
      "mimic a fixed random teacher RNN (Marschall et al. 2020): Bernoulli inputs, targets are "
      "the teacher's outputs on the same inputs; MSE on all steps",
      {{"T", "100", "steps (>= 1)"},
       {"inputs", "32", "input channels (1..1024)"},
       {"outputs", "32", "output channels (1..1024)"},
       {"input_probability", "0.5", "probability that an input is 1 on a step (0..1)"},
       {"teacher_hidden", "32", "teacher units (1..1024)"},
       {"teacher_gain", "1", "teacher W_rec ~ N(0, gain^2 / n) (>= 0)"},
       {"teacher_alpha", "1", "teacher leak (0 < alpha <= 1)"},
       {"teacher_bias", "0.1", "sd of the teacher's biases b and b_out (>= 0)"},
       {"teacher_seed", "1", "seed of the teacher's weights (>= 0)"}}};
  return info;
}

std::unique_ptr<Task> make_mimic_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<MimicTask>(Params(mimic_task_info().id, mimic_task_info().params, params));
}

MimicTeacher mimic_teacher(const std::map<std::string, std::string>& params) {
  return draw_teacher(Params(mimic_task_info().id, mimic_task_info().params, params));
}

}  // namespace tca
