// pattern_generation-v0: produce a fixed pattern from a fixed input, the motor-control task of
// Bellec et al. 2020 (Nature Communications 11:3625; the pattern-generation tutorial of their
// code, IGITUGraz/eligibility_propagation, tutorial_pattern_generation.py and models.py's
// sum_of_sines_target), for the spiking network; it runs on the rate network too.
//
// Input m = `inputs` channels of frozen Poisson spikes: x_t,i ~ Bernoulli(input_rate dt / 1000)
// with dt = 1 ms per step, drawn once from pattern_seed and the same in every sequence and
// batch. Target o = `outputs` channels, each a sum of four sines with periods 1000, 500, 333 and
// 200 steps, amplitudes ~ U[min_amplitude, max_amplitude] and phases ~ U[0, 2 pi], drawn once
// per channel from pattern_seed. As in the reference code, sine j is
// sin(phase_j + 2 pi c_j s / (T - 1)) at step s with c_j = floor(T / period_j) whole cycles (1, 2,
// 3 and 5 at T = 1000), and the sum is shifted to start at 0 and divided by its largest
// magnitude, so it lies in [-1, 1]. MSE on every step.
//
// Every sequence is the same: the task is to learn one input-output mapping, not to generalise,
// so the held-out batches equal the training batches by design.
//
// Parameters: pattern_generation_params() below.
//
// Metrics (per step and channel): "mse"; "nmse" = sum (y - y*)^2 / sum (y* - mean y*)^2 over
// the batch (1: no better than the target's mean; this normalisation is ours, the reference
// code prints the summed squared error); "baseline_zero", the mse of predicting 0.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kPeriods[] = {1000, 500, 333, 200};  // steps of 1 ms, as in the reference code
constexpr long kMaxChannels = 100000;
// Step tags of the frozen draws, disjoint from the per-sequence generators' b < 2^31.
constexpr uint64_t kInputTag = uint64_t{1} << 62, kTargetTag = uint64_t{1} << 63;

struct PatternConfig {
  int steps = 1000;
  int inputs = 100;
  double input_rate = 50;  // Hz
  int outputs = 1;
  double min_amplitude = 0.5;
  double max_amplitude = 2.0;
  uint64_t pattern_seed = 1;
};

const ParamTable<PatternConfig>& pattern_generation_params() {
  static const auto table =
      ParamTable<PatternConfig>()
          .integer("T", &PatternConfig::steps, 2, kMaxTaskLength, "steps of 1 ms")
          .integer("inputs", &PatternConfig::inputs, 1, kMaxChannels, "input channels m (frozen Poisson spikes)")
          .real("input_rate", &PatternConfig::input_rate, 0.0, 1000.0, "rate of every input channel, Hz")
          .integer("outputs", &PatternConfig::outputs, 1, kMaxChannels, "target channels o, each its own sum of sines")
          .real("min_amplitude", &PatternConfig::min_amplitude, 0.0, 1e6, "smallest amplitude of a sine")
          .real("max_amplitude", &PatternConfig::max_amplitude, 0.0, 1e6, "largest amplitude of a sine")
          .integer("pattern_seed", &PatternConfig::pattern_seed, 0, std::numeric_limits<long>::max(),
                   "seed of the frozen input and target");
  return table;
}

class PatternGenerationTask final : public Task {
 public:
  explicit PatternGenerationTask(const PatternConfig& config) : config_(config) {
    if (config.max_amplitude < config.min_amplitude)
      throw constraint_error("pattern_generation-v0", "max_amplitude must be >= min_amplitude");
    const int T = config.steps, m = config.inputs, o = config.outputs;
    Philox input_rng(config.pattern_seed, RandomStream::task, kInputTag);
    input_.resize(static_cast<size_t>(T) * m);
    for (double& x : input_) x = input_rng.bernoulli(config.input_rate / 1000.0) ? 1.0 : 0.0;
    Philox target_rng(config.pattern_seed, RandomStream::task, kTargetTag);
    target_.assign(static_cast<size_t>(T) * o, 0.0);
    for (int k = 0; k < o; ++k) {
      std::vector<double> sum(static_cast<size_t>(T), 0.0);
      for (const int period : kPeriods) {
        const double amplitude = config.min_amplitude + (config.max_amplitude - config.min_amplitude) * target_rng.uniform();
        const double phase = 2 * kPi * target_rng.uniform();
        const double cycles = T / period;  // whole cycles, as numpy's seq_len // period
        for (int s = 0; s < T; ++s) sum[s] += amplitude * std::sin(phase + 2 * kPi * cycles * s / (T - 1));
      }
      const double start = sum[0];
      double largest = 0;
      for (double& v : sum) largest = std::max(largest, std::abs(v -= start));
      for (int s = 0; s < T; ++s) target_[static_cast<size_t>(s) * o + k] = largest > 0 ? sum[s] / largest : 0.0;
    }
  }

  std::string id() const override { return "pattern_generation-v0"; }
  int input_size() const override { return config_.inputs; }
  int output_size() const override { return config_.outputs; }
  int steps() const override { return config_.steps; }
  LossKind loss() const override { return LossKind::mse; }

  // The frozen pattern in every sequence; the seed does not matter.
  Batch sample(int batch_size, uint64_t /*seed*/) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    std::fill(batch.loss_mask.begin(), batch.loss_mask.end(), 1.0);
    const int m = config_.inputs, o = config_.outputs;
    for (int t = 0; t < batch.T; ++t)
      for (int b = 0; b < batch.B; ++b) {
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        std::copy_n(&input_[static_cast<size_t>(t) * m], m, &batch.inputs[at * m]);
        std::copy_n(&target_[static_cast<size_t>(t) * o], o, &batch.targets[at * o]);
      }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch, const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    const size_t values = static_cast<size_t>(batch.T) * batch.B * batch.o;
    double mean = 0;
    for (size_t i = 0; i < values; ++i) mean += batch.targets[i] / values;
    double error = 0, spread = 0, zero = 0;
    for (size_t i = 0; i < values; ++i) {
      const double d = outputs[i] - batch.targets[i];
      error += d * d;
      spread += (batch.targets[i] - mean) * (batch.targets[i] - mean);
      zero += batch.targets[i] * batch.targets[i];
    }
    return {{"mse", error / values},
            {"nmse", spread > 0 ? error / spread : std::numeric_limits<double>::quiet_NaN()},
            {"baseline_zero", zero / values}};
  }

  std::map<std::string, std::string> config() const override { return pattern_generation_params().text(config_); }

 private:
  PatternConfig config_;
  std::vector<double> input_;   // [T, m], the frozen spikes
  std::vector<double> target_;  // [T, o]
};

}  // namespace

const TaskInfo& pattern_generation_task_info() {
  static const TaskInfo info{
      "pattern_generation-v0",
      "pattern generation (Bellec et al. 2020): frozen Poisson input, the target a fixed sum of four sines "
      "(1, 2, 3, 5 cycles per second) in [-1, 1]; MSE on all steps",
      pattern_generation_params().docs()};
  return info;
}

std::unique_ptr<Task> make_pattern_generation_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<PatternGenerationTask>(
      pattern_generation_params().parse(pattern_generation_task_info().id, params));
}

}  // namespace tca
