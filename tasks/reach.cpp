// reach-v0: delayed centre-out reaching, the motor task of Sussillo, Churchland, Kaufman &
// Shenoy 2015 (Nature Neuroscience 18:1025, "A neural network that finds a naturalistic solution
// for the production of muscle activity") with its recorded data replaced by synthetic
// kinematics, on eight centre-out targets as in the RNN models of reaching of Michaels, Dann &
// Scherberger 2016 (PLoS Comput Biol 12:e1005175) and their hebbRNN centre-out example.
//
// Time runs in steps of 10 ms (as in Sussillo et al.). Per sequence, target k ~ U{0..7} at angle
// theta = 2 pi k / 8, cue onset c ~ U{0..max_precue}, delay d ~ U{min_delay..max_delay}, go
// cue g = c + d. Inputs (m = 3):
//   hold     = 1 for t < g, then 0                      (the hold cue; its release is the go cue)
//   cos, sin = (cos theta, sin theta) for c <= t < g   (the target cue, gone when the reach starts)
// Target (o = 2), the hand position: 0 for t < g, then (cos theta, sin theta) s((t - g) / M) with
// M = movement steps and s the minimum-jerk profile s(u) = 10 u^3 - 15 u^4 + 6 u^5 (Flash &
// Hogan 1985; bell-shaped speed), held at the target once u >= 1. MSE on every step: the hand
// must stay at the centre through the delay and reach from memory once the cue is gone.
// Sussillo et al.'s pre-cue interval is U{0..49} and their plan interval U{0..149} steps in
// T = 300, with 15 condition inputs and 7 EMG outputs from recordings and inputs ramped over 8
// steps; here the condition inputs are the target's direction, the output its hand position,
// the inputs switch on and off in one step, and the delay is at least min_delay steps, so that
// every trial has a preparatory period.
//
// Metrics: "mse"; "endpoint_error", the mean distance between output and target at the last step;
// "accuracy", the fraction of sequences whose last output lies within `tolerance` of the target
// (hebbRNN's centre-out tolerance is 0.25); "early_movement", the mean distance of the output
// from the centre before the go cue; "baseline_zero", the mse of staying at the centre.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kTargets = 8;

struct ReachConfig {
  int steps = 300;
  int max_precue = 49;
  int min_delay = 20;
  int max_delay = 149;
  int movement = 50;
  double tolerance = 0.25;
};

const ParamTable<ReachConfig>& reach_params() {
  static const auto table =
      ParamTable<ReachConfig>()
          .integer("T", &ReachConfig::steps, 3, kMaxTaskLength, "steps of 10 ms")
          .integer("max_precue", &ReachConfig::max_precue, 0, kMaxTaskLength, "target cue onset ~ U{0..max_precue}")
          .integer("min_delay", &ReachConfig::min_delay, 1, kMaxTaskLength, "shortest delay from target cue to go cue")
          .integer("max_delay", &ReachConfig::max_delay, 1, kMaxTaskLength, "longest delay from target cue to go cue")
          .integer("movement", &ReachConfig::movement, 1, kMaxTaskLength, "steps from the go cue to the target")
          .positive("tolerance", &ReachConfig::tolerance, 1e6, "largest endpoint distance that counts as a hit");
  return table;
}

double minimum_jerk(double u) {
  if (u <= 0) return 0;
  if (u >= 1) return 1;
  return u * u * u * (10 - 15 * u + 6 * u * u);
}

class ReachTask final : public Task {
 public:
  explicit ReachTask(const ReachConfig& config) : config_(config) {
    if (config.max_delay < config.min_delay)
      throw constraint_error("reach-v0", "max_delay must be >= min_delay");
    if (config.max_precue + config.max_delay + config.movement > config.steps)
      throw constraint_error("reach-v0", "max_precue + max_delay + movement must be at most T (every reach ends "
                                         "within the trial)");
  }

  std::string id() const override { return "reach-v0"; }
  int input_size() const override { return 3; }
  int output_size() const override { return 2; }
  int steps() const override { return config_.steps; }
  LossKind loss() const override { return LossKind::mse; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    std::fill(batch.loss_mask.begin(), batch.loss_mask.end(), 1.0);
    for (int b = 0; b < batch.B; ++b) {
      Philox rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      const double theta = 2 * kPi * rng.below(kTargets) / kTargets;
      const int cue = static_cast<int>(rng.below(config_.max_precue + 1));
      const int go = cue + config_.min_delay + static_cast<int>(rng.below(config_.max_delay - config_.min_delay + 1));
      for (int t = 0; t < batch.T; ++t) {
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        double* x = &batch.inputs[at * 3];
        x[0] = t < go ? 1.0 : 0.0;
        x[1] = t >= cue && t < go ? std::cos(theta) : 0.0;
        x[2] = t >= cue && t < go ? std::sin(theta) : 0.0;
        const double s = t < go ? 0.0 : minimum_jerk(static_cast<double>(t - go) / config_.movement);
        batch.targets[at * 2] = s * std::cos(theta);
        batch.targets[at * 2 + 1] = s * std::sin(theta);
      }
    }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch, const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    const size_t values = static_cast<size_t>(batch.T) * batch.B * 2;
    double error = 0, zero = 0;
    for (size_t i = 0; i < values; ++i) {
      const double d = outputs[i] - batch.targets[i];
      error += d * d;
      zero += batch.targets[i] * batch.targets[i];
    }
    double endpoint = 0, hits = 0, early = 0, early_steps = 0;
    for (int b = 0; b < batch.B; ++b) {
      const size_t last = (static_cast<size_t>(batch.T - 1) * batch.B + b) * 2;
      const double distance = std::hypot(outputs[last] - batch.targets[last], outputs[last + 1] - batch.targets[last + 1]);
      endpoint += distance / batch.B;
      hits += distance <= config_.tolerance ? 1 : 0;
      for (int t = 0; t < batch.T && batch.input(t, b, 0) == 1.0; ++t) {  // before the go cue
        const size_t at = (static_cast<size_t>(t) * batch.B + b) * 2;
        early += std::hypot(outputs[at], outputs[at + 1]);
        early_steps += 1;
      }
    }
    return {{"mse", error / values},
            {"endpoint_error", endpoint},
            {"accuracy", hits / batch.B},
            {"early_movement", early_steps > 0 ? early / early_steps : 0.0},
            {"baseline_zero", zero / values}};
  }

  std::map<std::string, std::string> config() const override { return reach_params().text(config_); }

 private:
  ReachConfig config_;
};

}  // namespace

const TaskInfo& reach_task_info() {
  static const TaskInfo info{
      "reach-v0",
      "delayed centre-out reaching (after Sussillo et al. 2015): a target cue among 8 directions, a hold through "
      "a delay, then at the go cue a minimum-jerk reach to the target from memory; hand position, MSE on all steps",
      reach_params().docs()};
  return info;
}

std::unique_ptr<Task> make_reach_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<ReachTask>(reach_params().parse(reach_task_info().id, params));
}

}  // namespace tca
