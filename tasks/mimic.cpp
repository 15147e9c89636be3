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
// Marschall et al.'s teacher has an orthogonal W_rec (all singular values 1): teacher_init =
// orthogonal gives it (from the same draws, the rest of the teacher unchanged); the default is
// Gaussian with spectral radius about teacher_gain. The sizes (32 inputs, 32 hidden units, 32
// outputs), input probability 1/2 and bias sd 0.1 are theirs.
//
// Input hold (Marschall et al.'s tau_task, gen_data/Mimic_RNN.py): with hold = h each input
// vector is held for h steps and the teacher runs on every step; hold = 1 is the plain task.
//
// Streams (the online regime, tasks/task.h): each stream is one sequence without end, cut into
// chunks of T steps; the teacher's state and the held input carry over.
//
// Parameters: mimic_params() below.
//
// Metrics: "mse" mean over masked steps and output channels of (y - target)^2 (the model's
// loss l = 1/2 |y - target|^2 per step is o/2 times it); "baseline_mean" the mse of predicting
// each output channel's mean target over the batch's masked steps (the per-channel variance of
// the targets: what a network that ignores its inputs reaches at best on this batch).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/philox.h"
#include "tasks/mimic.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr long kMaxChannels = 1024;
// Step tag of the teacher's weight generator (per-sequence generators use step = b < 2^31).
constexpr uint64_t kTeacherTag = uint64_t{1} << 63;

struct MimicConfig {
  int steps = 100;
  int inputs = 32;
  int outputs = 32;
  double input_probability = 0.5;
  int teacher_hidden = 32;
  double teacher_gain = 1.0;
  double teacher_alpha = 1.0;
  double teacher_bias = 0.1;
  uint64_t teacher_seed = 1;
  int hold = 1;
  RecurrentInit teacher_init = RecurrentInit::gaussian;
};

const ParamTable<MimicConfig>& mimic_params() {
  static const auto table =
      ParamTable<MimicConfig>()
          .integer("T", &MimicConfig::steps, 1, kMaxTaskLength, "steps")
          .integer("inputs", &MimicConfig::inputs, 1, kMaxChannels, "input channels m")
          .integer("outputs", &MimicConfig::outputs, 1, kMaxChannels, "output channels o")
          .real("input_probability", &MimicConfig::input_probability, 0.0, 1.0,
                "probability that an input is 1 on a step")
          .integer("teacher_hidden", &MimicConfig::teacher_hidden, 1, kMaxChannels, "teacher units")
          .real("teacher_gain", &MimicConfig::teacher_gain, 0.0, 1e6, "teacher W_rec ~ N(0, gain^2 / n)")
          .positive("teacher_alpha", &MimicConfig::teacher_alpha, 1.0, "teacher leak")
          .real("teacher_bias", &MimicConfig::teacher_bias, 0.0, 1e6, "sd of the teacher's biases b and b_out")
          .integer("teacher_seed", &MimicConfig::teacher_seed, 0, std::numeric_limits<long>::max(),
                   "seed of the teacher's weights")
          .integer("hold", &MimicConfig::hold, 1, kMaxTaskLength,
                   "steps each input is held (Marschall et al.'s tau_task); the teacher runs on every step")
          .choice("teacher_init", &MimicConfig::teacher_init,
                  {{"gaussian", RecurrentInit::gaussian}, {"orthogonal", RecurrentInit::orthogonal}},
                  "teacher W_rec: gaussian N(0, gain^2 / n), or orthogonal: gain times the Q of the same draws "
                  "(all singular values gain), as Marschall et al.'s teacher");
  return table;
}

MimicTeacher draw_teacher(const MimicConfig& config) {
  MimicTeacher teacher;
  RateRnnConfig& c = teacher.config;
  c.n = config.teacher_hidden;
  c.m = config.inputs;
  c.o = config.outputs;
  c.alpha = config.teacher_alpha;
  c.loss = LossKind::mse;
  const double gain = config.teacher_gain, bias = config.teacher_bias;

  const int n = c.n, m = c.m, o = c.o, k = c.k();
  Philox rng(config.teacher_seed, RandomStream::task, kTeacherTag);
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
  if (config.teacher_init == RecurrentInit::orthogonal) orthogonalise_recurrent_block(teacher.W, n, k, gain);
  return teacher;
}

// One sequence of the task, generated step by step with the teacher's state: sample() runs a
// fresh one per sequence for T steps; a stream keeps one per stream and goes on with it.
class MimicSequence {
 public:
  MimicSequence(const MimicConfig& config, const MimicTeacher& teacher, uint64_t seed, int b)
      : config_(config), teacher_(teacher), rng_(seed, RandomStream::task, static_cast<uint64_t>(b)),
        a_(static_cast<size_t>(teacher.config.n), 0.0), a_next_(a_.size()),
        x_(static_cast<size_t>(teacher.config.m), 0.0) {}

  // The next T steps into sequence b of `batch` (loss on every step).
  void fill(Batch& batch, int b) {
    const RateRnnConfig& c = teacher_.config;
    const int n = c.n, m = c.m, o = c.o, k = c.k();
    for (int t = 0; t < batch.T; ++t, ++step_) {
      if (step_ % config_.hold == 0)
        for (int j = 0; j < m; ++j) x_[j] = rng_.bernoulli(config_.input_probability) ? 1.0 : 0.0;
      for (int i = 0; i < n; ++i) {  // h = W [a_{t-1}; x_t; 1]
        const double* row = &teacher_.W[static_cast<size_t>(i) * k];
        double h = row[n + m];
        for (int j = 0; j < n; ++j) h += row[j] * a_[j];
        for (int j = 0; j < m; ++j) h += row[n + j] * x_[j];
        a_next_[i] = (1.0 - c.alpha) * a_[i] + c.alpha * std::tanh(h);
      }
      a_.swap(a_next_);
      const size_t at = static_cast<size_t>(t) * batch.B + b;
      std::copy(x_.begin(), x_.end(), &batch.inputs[at * m]);
      batch.loss_mask[at] = 1.0;
      double* y = &batch.targets[at * o];
      for (int i = 0; i < o; ++i) {  // y = W_out a_t + b_out
        const double* row = &teacher_.W_outb[static_cast<size_t>(i) * (n + 1)];
        double sum = row[n];
        for (int j = 0; j < n; ++j) sum += row[j] * a_[j];
        y[i] = sum;
      }
    }
  }

 private:
  const MimicConfig& config_;
  const MimicTeacher& teacher_;
  Philox rng_;
  std::vector<double> a_, a_next_;  // the teacher's state
  std::vector<double> x_;           // the input being held
  int64_t step_ = 0;                // steps since the sequence began
};

class MimicTask final : public Task {
 public:
  explicit MimicTask(const MimicConfig& config) : config_(config), teacher_(draw_teacher(config)) {}

  std::string id() const override { return "mimic-v0"; }
  int input_size() const override { return teacher_.config.m; }
  int output_size() const override { return teacher_.config.o; }
  int steps() const override { return config_.steps; }
  LossKind loss() const override { return LossKind::mse; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    for (int b = 0; b < batch.B; ++b) MimicSequence(config_, teacher_, seed, b).fill(batch, b);
    return batch;
  }

  // One continuous sequence per stream, the teacher's state carried over: the first chunk is
  // sample(B, seed), and the chunks concatenated are what a task of c T steps samples.
  std::unique_ptr<TaskStream> stream(int batch_size, uint64_t seed) const override {
    std::vector<MimicSequence> sequences;
    for (int b = 0; b < batch_size; ++b) sequences.emplace_back(config_, teacher_, seed, b);
    return std::make_unique<ContinuingStream<MimicSequence>>(*this, std::move(sequences));
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
    return mimic_params().text(config_);
  }

 private:
  MimicConfig config_;
  MimicTeacher teacher_;
};

}  // namespace

const TaskInfo& mimic_task_info() {
  static const TaskInfo info{
      "mimic-v0",
      "mimic a fixed random teacher RNN (Marschall et al. 2020): Bernoulli inputs, targets are "
      "the teacher's outputs on the same inputs; MSE on all steps",
      mimic_params().docs()};
  return info;
}

std::unique_ptr<Task> make_mimic_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<MimicTask>(mimic_params().parse(mimic_task_info().id, params));
}

MimicTeacher mimic_teacher(const std::map<std::string, std::string>& params) {
  return draw_teacher(mimic_params().parse(mimic_task_info().id, params));
}

}  // namespace tca
