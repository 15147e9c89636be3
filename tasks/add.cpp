// add-v0: the "add" task of Pitis 2016 (r2rt.com, "Recurrent neural networks in Tensorflow I",
// a toy task with two lagged dependencies) in the form used by Marschall, Cho & Savin 2020
// (JMLR, "A unified framework of online learning algorithms for training recurrent neural
// networks"). Pitis's lags were 3 and 8; the defaults here are t1 = 5 and t2 = 9.
//
// Input m = 1: x_t ~ Bernoulli(1/2), independent. Target: the distribution [y_t, 1 - y_t] over
// o = 2 classes with y_t = 1/2 + 1/2 x_{t-t1} - 1/4 x_{t-t2} (x before t = 0 counts as 0):
// soft targets, not one-hot, and the loss is the cross-entropy -sum_j p_j log softmax(z)_j.
// Loss mask 1 on every step, the first t2 steps included.
//
// Input hold (Marschall et al.'s tau_task, used with alpha < 1): with hold = h each input and
// its target are held for h steps, i.e. the task runs on a coarse clock c = floor(t / h) with
// the lags t1 and t2 counted in coarse steps, and each coarse step is repeated h times (the
// last one cut at T). hold = 1 is the plain task, batch for batch.
//
// Landmarks: the lowest mean cross-entropy per step (nats) that a predictor reaches with
//   no_memory  nothing but the step t: it predicts E[y_t] and pays H(E[y_t]);
//   t1_only    x_{t-t1} (and t):        E H(E[y_t | x_{t-t1}]);
//   both       both lags:               E H(y_t), the entropy of the targets,
// H the binary entropy (the cross-entropy of a soft target is minimised by predicting its
// conditional mean). Computed exactly for the task as configured: averaged over its T steps,
// where a lag that reaches before t = 0 reads the known 0, so the first t1 and t2 steps are
// easier. For t1 = 5, t2 = 9 they are 0.6592 / 0.5210 / 0.4621 at T = 100 and 0.6556 / 0.5237 /
// 0.4735 at T = 40; the stationary values (T -> infinity) are 0.6616 / 0.5192 / 0.4545.
//
// Streams (the online regime, tasks/task.h): each stream is one sequence without end, cut into
// chunks of T steps; the lags reach back into the previous chunk. A chunk after the first has no
// trial start, and its landmarks are the stationary ones (metrics() tells them apart by
// trial_start at t = 0).
//
// Parameters: add_params() below.
//
// Metrics: "ce" mask-weighted mean cross-entropy per step; "baseline_no_memory",
// "baseline_t1_only", "baseline_both" the landmarks above.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr double kInputProbability = 0.5;  // P(x_t = 1)
constexpr double kBase = 0.5;              // y when neither lag is set
constexpr double kWeightT1 = 0.5;
constexpr double kWeightT2 = -0.25;
constexpr int kClasses = 2;

double target_probability(int x_t1, int x_t2) {
  return kBase + kWeightT1 * x_t1 + kWeightT2 * x_t2;
}

// Binary entropy in nats, with 0 log 0 = 0.
double binary_entropy(double q) {
  double h = 0.0;
  if (q > 0.0) h -= q * std::log(q);
  if (q < 1.0) h -= (1.0 - q) * std::log(1.0 - q);
  return h;
}

struct Landmarks {
  double no_memory, t1_only, both;
};

// P(x = value) of a lagged input: a fair bit once the lag reaches a real input, 0 before.
double lagged_probability(int value, bool real_input) {
  if (!real_input) return value == 0 ? 1.0 : 0.0;
  return value ? kInputProbability : 1.0 - kInputProbability;
}

// The landmarks of one step, from the distribution of (x_{t-t1}, x_{t-t2}) at that step: each
// a fair bit or the known 0, and one bit seen twice when t1 == t2.
Landmarks step_landmarks(bool lag1_real, bool lag2_real, bool same_lag) {
  double mean_y = 0.0, both = 0.0;
  double mean_y_given_t1[2] = {0.0, 0.0};
  for (int x1 = 0; x1 <= 1; ++x1) {
    const double p1 = lagged_probability(x1, lag1_real);
    for (int x2 = 0; x2 <= 1; ++x2) {
      const double p2_given_1 = same_lag ? (x2 == x1 ? 1.0 : 0.0) : lagged_probability(x2, lag2_real);
      const double y = target_probability(x1, x2);
      mean_y += p1 * p2_given_1 * y;
      mean_y_given_t1[x1] += p2_given_1 * y;
      both += p1 * p2_given_1 * binary_entropy(y);
    }
  }
  double t1_only = 0.0;
  for (int x1 = 0; x1 <= 1; ++x1) t1_only += lagged_probability(x1, lag1_real) * binary_entropy(mean_y_given_t1[x1]);
  return {binary_entropy(mean_y), t1_only, both};
}

// The landmarks of the task: the mean of the step landmarks over its T steps (all scored), each
// step at its coarse time c = floor(t / hold).
Landmarks compute_landmarks(int steps, int lag1, int lag2, int hold) {
  Landmarks mean{0.0, 0.0, 0.0};
  for (int t = 0; t < steps; ++t) {
    const int c = t / hold;
    const Landmarks step = step_landmarks(c >= lag1, c >= lag2, lag1 == lag2);
    mean.no_memory += step.no_memory / steps;
    mean.t1_only += step.t1_only / steps;
    mean.both += step.both / steps;
  }
  return mean;
}

struct AddConfig {
  int steps = 100;
  int lag1 = 5;
  int lag2 = 9;
  int hold = 1;
};

const ParamTable<AddConfig>& add_params() {
  static const auto table =
      ParamTable<AddConfig>()
          .integer("T", &AddConfig::steps, 1, kMaxTaskLength, "steps")
          .integer("t1", &AddConfig::lag1, 1, kMaxTaskLength, "lag of the +1/2 dependency in steps")
          .integer("t2", &AddConfig::lag2, 1, kMaxTaskLength, "lag of the -1/4 dependency in steps")
          .integer("hold", &AddConfig::hold, 1, kMaxTaskLength,
                   "steps each input and target is held (Marschall et al.'s tau_task); lags count held steps");
  return table;
}

// One sequence of the task, generated step by step on its coarse clock: sample() runs a fresh
// one per sequence for T steps; a stream keeps one per stream and goes on with it, so that the
// lags reach back into the previous chunk.
class AddSequence {
 public:
  AddSequence(const AddConfig& config, uint64_t seed, int b)
      : config_(config), rng_(seed, RandomStream::task, static_cast<uint64_t>(b)),
        recent_(static_cast<size_t>(std::max(config.lag1, config.lag2)) + 1, 0) {}

  // The next T steps into sequence b of `batch` (loss on every step).
  void fill(Batch& batch, int b) {
    const int hold = config_.hold;
    for (int t = 0; t < batch.T; ++t, ++step_) {
      const int64_t c = step_ / hold;
      if (step_ % hold == 0) input(c) = rng_.bernoulli(kInputProbability) ? 1 : 0;
      const double y = target_probability(lagged(c, config_.lag1), lagged(c, config_.lag2));
      const size_t at = static_cast<size_t>(t) * batch.B + b;
      batch.inputs[at * batch.m] = input(c);
      batch.loss_mask[at] = 1.0;
      batch.targets[at * batch.o + 0] = y;
      batch.targets[at * batch.o + 1] = 1.0 - y;
    }
  }

 private:
  int& input(int64_t c) { return recent_[static_cast<size_t>(c) % recent_.size()]; }
  int lagged(int64_t c, int lag) { return c >= lag ? input(c - lag) : 0; }  // the known 0 before the start

  const AddConfig& config_;
  Philox rng_;
  std::vector<int> recent_;  // the last max(t1, t2) + 1 coarse inputs, by coarse step modulo their count
  int64_t step_ = 0;         // steps since the sequence began
};

class AddTask final : public Task {
 public:
  explicit AddTask(const AddConfig& config)
      : config_(config),
        landmarks_(compute_landmarks(config.steps, config.lag1, config.lag2, config.hold)),
        stationary_(step_landmarks(true, true, config.lag1 == config.lag2)) {}

  std::string id() const override { return "add-v0"; }
  int input_size() const override { return 1; }
  int output_size() const override { return kClasses; }
  int steps() const override { return config_.steps; }
  LossKind loss() const override { return LossKind::cross_entropy; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    for (int b = 0; b < batch.B; ++b) AddSequence(config_, seed, b).fill(batch, b);
    return batch;
  }

  // One continuous sequence per stream: the first chunk is sample(B, seed), and the chunks
  // concatenated are what a task of c T steps samples.
  std::unique_ptr<TaskStream> stream(int batch_size, uint64_t seed) const override {
    std::vector<AddSequence> sequences;
    for (int b = 0; b < batch_size; ++b) sequences.emplace_back(config_, seed, b);
    return std::make_unique<ContinuingStream<AddSequence>>(*this, std::move(sequences));
  }

  std::map<std::string, double> metrics(const Batch& batch,
                                        const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    // Per sequence: the landmarks of a sequence that starts here, or, for a stream's later
    // window (no trial start at t = 0), the stationary ones: its lags all read real inputs.
    Landmarks mean{0.0, 0.0, 0.0};
    for (int b = 0; b < batch.B; ++b) {
      const bool starts = batch.trial_start.empty() || batch.trial_start[static_cast<size_t>(b)];
      const Landmarks& l = starts ? landmarks_ : stationary_;
      mean.no_memory += l.no_memory / batch.B;
      mean.t1_only += l.t1_only / batch.B;
      mean.both += l.both / batch.B;
    }
    return {{"ce", mean_cross_entropy(batch, outputs)},
            {"baseline_no_memory", mean.no_memory},
            {"baseline_t1_only", mean.t1_only},
            {"baseline_both", mean.both}};
  }

  std::map<std::string, std::string> config() const override {
    return add_params().text(config_);
  }

 private:
  AddConfig config_;
  Landmarks landmarks_;    // of a sequence that starts at t = 0
  Landmarks stationary_;   // of a window in the middle of a stream
};

}  // namespace

const TaskInfo& add_task_info() {
  static const TaskInfo info{
      "add-v0",
      "add task (Pitis 2016; Marschall et al. 2020): Bernoulli input, soft target "
      "[y, 1 - y] with y = 1/2 + 1/2 x(t-t1) - 1/4 x(t-t2); CE on all steps",
      add_params().docs()};
  return info;
}

std::unique_ptr<Task> make_add_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<AddTask>(add_params().parse(add_task_info().id, params));
}

}  // namespace tca
