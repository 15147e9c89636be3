// dnms-v0: binary delayed non-match-to-sample (a sequential XOR).
//
// Source: the delayed (non-)match-to-sample paradigm as used in credit-assignment studies of
// recurrent networks, e.g. Liu et al. 2021 (PNAS, "Cell-type-specific neuromodulation guides
// synaptic credit assignment in a spiking neural network"); specification: DESIGN.md, Tasks.
//
// A trial: stimulus 1 for S steps, a delay of D steps (zero input), stimulus 2 for S steps, a
// delay of D steps, then R report steps. Stimuli are A = [1, 0] and B = [0, 1] (m = 2).
// Output o = 2 logits, cross-entropy on the R report steps only (loss mask 1 there, 0
// elsewhere), one-hot targets: class 0 = "match" (AA, BB), class 1 = "non-match" (AB, BA), so
// the class index is the XOR of the two stimuli (A = 0, B = 1).
// T = 2 S + 2 D + R (29 with the defaults) plus 2 variable_delay when delays vary.
//
// Parameters:
//   S               stimulus length in steps, >= 1 (default 3)
//   D               delay after each stimulus in steps, >= 0 (default 10)
//   R               report steps, >= 1 (default 3)
//   input_noise     sd of Gaussian noise added to both input channels on every step of the
//                   trial (not on the end padding), >= 0 (default 0)
//   variable_delay  each of the two delays gets an extra uniform 0..variable_delay steps, drawn
//                   per sequence; T is then the maximum length and shorter trials are padded
//                   at the end with zero input and loss mask 0 (default 0)
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

class DnmsTask final : public Task {
 public:
  explicit DnmsTask(const Params& params)
      : stimulus_steps_(static_cast<int>(params.integer("S", 1, kMaxTaskLength))),
        delay_steps_(static_cast<int>(params.integer("D", 0, kMaxTaskLength))),
        report_steps_(static_cast<int>(params.integer("R", 1, kMaxTaskLength))),
        variable_delay_(static_cast<int>(params.integer("variable_delay", 0, kMaxTaskLength))),
        input_noise_(params.real("input_noise", 0.0, 1e6)) {
    const long total = 2L * stimulus_steps_ + 2L * (delay_steps_ + variable_delay_) + report_steps_;
    if (total > kMaxTaskLength) {
      throw params.constraint_error(
          "T = 2 S + 2 (D + variable_delay) + R must be <= " + std::to_string(kMaxTaskLength) +
          ", got " + std::to_string(total));
    }
    steps_ = static_cast<int>(total);
  }

  std::string id() const override { return "dnms-v0"; }
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
      const int first_delay = delay_steps_ + static_cast<int>(rng.below(variable_delay_ + 1));
      const int second_delay = delay_steps_ + static_cast<int>(rng.below(variable_delay_ + 1));

      const int second_onset = stimulus_steps_ + first_delay;
      const int report_onset = second_onset + stimulus_steps_ + second_delay;
      const int trial_end = report_onset + report_steps_;
      for (int t = 0; t < trial_end; ++t) {
        double* x = &batch.inputs[(static_cast<size_t>(t) * batch.B + b) * batch.m];
        if (t < stimulus_steps_) x[first] = 1.0;
        if (t >= second_onset && t < second_onset + stimulus_steps_) x[second] = 1.0;
        if (input_noise_ > 0.0) {
          for (int i = 0; i < batch.m; ++i) x[i] += input_noise_ * rng.normal();
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
    return {{"S", std::to_string(stimulus_steps_)},
            {"D", std::to_string(delay_steps_)},
            {"R", std::to_string(report_steps_)},
            {"input_noise", format_real(input_noise_)},
            {"variable_delay", std::to_string(variable_delay_)},
            {"T", std::to_string(steps_)}};
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

  int stimulus_steps_;
  int delay_steps_;
  int report_steps_;
  int variable_delay_;
  double input_noise_;
  int steps_ = 0;
};

}  // namespace

const TaskInfo& dnms_task_info() {
  static const TaskInfo info{
      "dnms-v0",
      "delayed non-match-to-sample (sequential XOR): two stimuli separated by delays, report "
      "match (class 0) or non-match (class 1); CE on the report steps",
      {{"S", "3", "stimulus length in steps (>= 1)"},
       {"D", "10", "delay after each stimulus in steps (>= 0)"},
       {"R", "3", "report steps (>= 1)"},
       {"input_noise", "0", "sd of Gaussian noise added to the inputs during the trial (>= 0)"},
       {"variable_delay", "0",
        "extra uniform 0..variable_delay steps per delay; trials padded at the end (>= 0)"}}};
  return info;
}

std::unique_ptr<Task> make_dnms_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<DnmsTask>(Params(dnms_task_info().id, dnms_task_info().params, params));
}

}  // namespace tca
