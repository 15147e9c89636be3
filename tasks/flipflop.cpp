// flipflop-v0: the 3-bit flip-flop of Sussillo & Barak 2013 (Neural Computation, "Opening the
// black box: low-dimensional dynamics in high-dimensional recurrent neural networks"), in the
// discrete-time form of Marschall, Cho & Savin 2020 (their Flip_Flop_Task: on every step and
// channel the input is +1 or -1 with probability pulse_probability / 2 each, 0 otherwise).
//
// Inputs m = 3 channels of sparse pulses: on each step each channel independently carries a
// pulse with probability pulse_probability, of sign +1 or -1 with probability 1/2 each; 0
// otherwise. Outputs o = 3: output channel i must hold the sign of the last pulse on input
// channel i, the pulse of the current step included; before the first pulse on a channel its
// target is 0 (the network has nothing to hold yet). Identity readout, MSE on every step (loss
// mask 1 everywhere).
//
// Parameters: flipflop_params() below.
//
// Metrics (per output channel, so comparable across o): "mse" mean over masked steps and
// channels of (y - target)^2 (the model's loss l = 1/2 |y - target|^2 per step is 3/2 of it);
// two baselines scored on the same batch: "baseline_zero", the mse of always predicting 0
// (the fraction of (step, channel) pairs after the channel's first pulse), and
// "baseline_copy_input", the mse of predicting the current input (right on pulse steps and
// wherever no pulse came yet, wrong by the held value everywhere else), a network without
// memory of past pulses.
#include <algorithm>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr int kBits = 3;

struct FlipFlopConfig {
  int steps = 100;
  double pulse_probability = 0.05;
};

const ParamTable<FlipFlopConfig>& flipflop_params() {
  static const auto table =
      ParamTable<FlipFlopConfig>()
          .integer("T", &FlipFlopConfig::steps, 1, kMaxTaskLength, "steps")
          .positive("pulse_probability", &FlipFlopConfig::pulse_probability, 1.0,
                    "probability of a pulse per step and channel (0.05: about one flip every 20 steps per bit)");
  return table;
}

class FlipFlopTask final : public Task {
 public:
  explicit FlipFlopTask(const FlipFlopConfig& config) : config_(config) {}

  std::string id() const override { return "flipflop-v0"; }
  int input_size() const override { return kBits; }
  int output_size() const override { return kBits; }
  int steps() const override { return config_.steps; }
  LossKind loss() const override { return LossKind::mse; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    std::fill(batch.loss_mask.begin(), batch.loss_mask.end(), 1.0);
    for (int b = 0; b < batch.B; ++b) {
      Philox rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      double held[kBits] = {0.0, 0.0, 0.0};
      for (int t = 0; t < batch.T; ++t) {
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        for (int i = 0; i < kBits; ++i) {
          if (rng.bernoulli(config_.pulse_probability)) {
            const double pulse = rng.rademacher();
            batch.inputs[at * batch.m + i] = pulse;
            held[i] = pulse;
          }
          batch.targets[at * batch.o + i] = held[i];
        }
      }
    }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch,
                                        const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    // The baselines as output arrays, scored like the network.
    std::vector<double> zero(outputs.size(), 0.0);
    std::vector<double> copy_input(outputs.size());
    for (size_t at = 0; at < static_cast<size_t>(batch.T) * batch.B; ++at) {
      for (int i = 0; i < kBits; ++i) copy_input[at * kBits + i] = batch.inputs[at * batch.m + i];
    }
    return {{"mse", mean_squared_error(batch, outputs)},
            {"baseline_zero", mean_squared_error(batch, zero)},
            {"baseline_copy_input", mean_squared_error(batch, copy_input)}};
  }

  std::map<std::string, std::string> config() const override {
    return flipflop_params().text(config_);
  }

 private:
  FlipFlopConfig config_;
};

}  // namespace

const TaskInfo& flipflop_task_info() {
  static const TaskInfo info{
      "flipflop-v0",
      "3-bit flip-flop (Sussillo & Barak 2013): sparse +1/-1 pulses on 3 channels, each output "
      "holds the sign of its channel's last pulse (0 before the first); MSE on all steps",
      flipflop_params().docs()};
  return info;
}

std::unique_ptr<Task> make_flipflop_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<FlipFlopTask>(
      flipflop_params().parse(flipflop_task_info().id, params));
}

}  // namespace tca
