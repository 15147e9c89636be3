// dnms-v0 and dnms-v1: binary delayed non-match-to-sample (a sequential XOR).
//
// Source: the delayed (non-)match-to-sample paradigm as used in credit-assignment studies of
// recurrent networks, e.g. Liu et al. 2021 (PNAS, "Cell-type-specific neuromodulation guides
// synaptic credit assignment in a spiking neural network"); specification: docs/tasks.md.
//
// A trial: stimulus 1 for S steps, a delay of D steps (zero input), stimulus 2 for S steps, a
// delay of D steps, then R report steps. Stimuli are A = [1, 0] and B = [0, 1] (m = 2).
// Output o = 2 logits, cross-entropy on the R report steps only (loss mask 1 there, 0
// elsewhere), one-hot targets: class 0 = "match" (AA, BB), class 1 = "non-match" (AB, BA), so
// the class index is the XOR of the two stimuli (A = 0, B = 1).
// T = 2 S + 2 D + R (29 with the defaults) plus 2 variable_delay when delays vary.
//
// Parameters: DnmsConfig and dnms_params() below. input_noise is added on every step of the
// trial, not on the end padding; with variable_delay each delay is drawn per sequence, T is
// the maximum length and shorter trials are padded at the end with zero input and loss mask 0.
//
// Versions: the same generator with different defaults. dnms-v0 has no noise and fixed delays,
// so it has exactly four distinct sequences: a batch of 64 repeats each 16 times, and training,
// validation and test batches hold the same sequences (test accuracy then measures
// memorisation, in steps of 1/4). dnms-v1 (input_noise 0.1, variable_delay 5) makes every
// sequence distinct: the noise is continuous (sd 0.1 leaves each stimulus ten standard
// deviations from the other), and the 36 delay combinations per trial type ask the network
// to hold the first stimulus over 10 to 15 steps instead of a fixed count. T = 39.
//
// Balance: the four trial types AA, AB, BA, BB appear once in every aligned group of four
// sequences (b = 4k .. 4k+3), in an order shuffled per group with a generator keyed on the
// group k only, so any batch of a multiple of 4 is exactly balanced and sequence b does not
// depend on the batch size.
//
// Metrics: "accuracy" fraction of trials whose logits summed over the report steps have their
// argmax at the target class; "chance" = 1 / number of classes (the classes are balanced);
// "ce" mask-weighted mean cross-entropy per report step.
#include <array>
#include <string>
#include <utility>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr int kStimulusChannels = 2;  // A = channel 0, B = channel 1
constexpr int kClasses = 2;
constexpr int kMatchClass = 0;
constexpr int kNonMatchClass = 1;
constexpr int kTrialTypes = 4;  // 2 * first + second, with A = 0 and B = 1: AA, AB, BA, BB
// Step tag of the generator that shuffles the trial types of a group of four sequences; per
// sequence generators use step = b < 2^31, so the two never share a counter.
constexpr uint64_t kTypeShuffleTag = uint64_t{1} << 63;

struct DnmsConfig {
  int stimulus_steps = 3;
  int delay_steps = 10;
  int report_steps = 3;
  double input_noise = 0.0;
  int variable_delay = 0;
};

DnmsConfig v1_defaults() {
  DnmsConfig config;
  config.input_noise = 0.1;
  config.variable_delay = 5;
  return config;
}

ParamTable<DnmsConfig> make_dnms_params(const DnmsConfig& defaults) {
  return ParamTable<DnmsConfig>(defaults)
          .integer("S", &DnmsConfig::stimulus_steps, 1, kMaxTaskLength, "stimulus length in steps")
          .integer("D", &DnmsConfig::delay_steps, 0, kMaxTaskLength, "delay after each stimulus in steps")
          .integer("R", &DnmsConfig::report_steps, 1, kMaxTaskLength, "report steps")
          .real("input_noise", &DnmsConfig::input_noise, 0.0, 1e6,
                "sd of Gaussian noise added to the inputs during the trial")
          .integer("variable_delay", &DnmsConfig::variable_delay, 0, kMaxTaskLength,
                   "extra uniform 0..variable_delay steps per delay; trials padded at the end");
}

const ParamTable<DnmsConfig>& dnms_params(int version) {
  static const ParamTable<DnmsConfig> v0 = make_dnms_params(DnmsConfig{});
  static const ParamTable<DnmsConfig> v1 = make_dnms_params(v1_defaults());
  return version == 0 ? v0 : v1;
}

class DnmsTask final : public Task {
 public:
  DnmsTask(std::string id, const DnmsConfig& config) : id_(std::move(id)), config_(config) {
    const long total =
        2L * config_.stimulus_steps + 2L * (config_.delay_steps + config_.variable_delay) + config_.report_steps;
    if (total > kMaxTaskLength) {
      throw constraint_error(id_, "T = 2 S + 2 (D + variable_delay) + R must be <= " + std::to_string(kMaxTaskLength) +
                                      ", got " + std::to_string(total));
    }
    steps_ = static_cast<int>(total);
  }

  std::string id() const override { return id_; }
  int input_size() const override { return kStimulusChannels; }
  int output_size() const override { return kClasses; }
  int steps() const override { return steps_; }
  LossKind loss() const override { return LossKind::cross_entropy; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    for (int b = 0; b < batch.B; ++b) {
      const int type = trial_type(seed, b);
      const int first = type / 2, second = type % 2;
      Philox rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      const int first_delay = config_.delay_steps + static_cast<int>(rng.below(config_.variable_delay + 1));
      const int second_delay = config_.delay_steps + static_cast<int>(rng.below(config_.variable_delay + 1));

      const int second_onset = config_.stimulus_steps + first_delay;
      const int report_onset = second_onset + config_.stimulus_steps + second_delay;
      const int trial_end = report_onset + config_.report_steps;
      for (int t = 0; t < trial_end; ++t) {
        double* x = &batch.inputs[(static_cast<size_t>(t) * batch.B + b) * batch.m];
        if (t < config_.stimulus_steps) x[first] = 1.0;
        if (t >= second_onset && t < second_onset + config_.stimulus_steps) x[second] = 1.0;
        if (config_.input_noise > 0.0) {
          for (int i = 0; i < batch.m; ++i) x[i] += config_.input_noise * rng.normal();
        }
      }
      const int target_class = first != second ? kNonMatchClass : kMatchClass;
      for (int t = report_onset; t < trial_end; ++t) {
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        batch.targets[at * batch.o + target_class] = 1.0;
        batch.loss_mask[at] = 1.0;
      }
    }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch,
                                        const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    return {{"accuracy", summed_logit_accuracy(batch, outputs)},
            {"chance", 1.0 / kClasses},
            {"ce", mean_cross_entropy(batch, outputs)}};
  }

  std::map<std::string, std::string> config() const override {
    std::map<std::string, std::string> values = dnms_params(0).text(config_);
    values["T"] = std::to_string(steps_);
    return values;
  }

 private:
  // Trial type of sequence b: position b % 4 of a shuffle of the four types keyed on b / 4.
  static int trial_type(uint64_t seed, int b) {
    Philox rng(seed, RandomStream::task, kTypeShuffleTag | static_cast<uint64_t>(b / kTrialTypes));
    std::array<int, kTrialTypes> order{0, 1, 2, 3};
    for (int i = kTrialTypes - 1; i > 0; --i) {  // Fisher-Yates
      std::swap(order[i], order[rng.below(static_cast<uint32_t>(i + 1))]);
    }
    return order[b % kTrialTypes];
  }

  std::string id_;
  DnmsConfig config_;
  int steps_ = 0;
};

}  // namespace

const TaskInfo& dnms_task_info() {
  static const TaskInfo info{
      "dnms-v0",
      "delayed non-match-to-sample (sequential XOR): two stimuli separated by delays, report "
      "match (class 0) or non-match (class 1); CE on the report steps. Noise-free with fixed delays, "
      "it has only 4 distinct sequences: use dnms-v1",
      dnms_params(0).docs()};
  return info;
}

std::unique_ptr<Task> make_dnms_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<DnmsTask>(dnms_task_info().id, dnms_params(0).parse(dnms_task_info().id, params));
}

const TaskInfo& dnms_v1_task_info() {
  static const TaskInfo info{
      "dnms-v1",
      "delayed non-match-to-sample as dnms-v0, with input noise and variable delays by default, so that "
      "every sequence differs (T = 39)",
      dnms_params(1).docs()};
  return info;
}

std::unique_ptr<Task> make_dnms_v1_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<DnmsTask>(dnms_v1_task_info().id, dnms_params(1).parse(dnms_v1_task_info().id, params));
}

}  // namespace tca
