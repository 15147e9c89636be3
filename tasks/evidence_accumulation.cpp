// evidence_accumulation-v0: the evidence accumulation (cue counting) task of Bellec et al. 2020
// (Nature Communications, "A solution to the learning dilemma for recurrent networks of spiking
// neurons", Fig. 3), made for the spiking model but usable by any network.
//
// Time step dt = 1 ms, so every duration below is a number of steps (= milliseconds). Inputs
// are spikes, 0 or 1 per step: m = 4 groups of group_size Poisson neurons (default 4 x 10 = 40),
// in this order:
//   group 0 "left"        fires at cue_rate during the cues shown on the left, silent otherwise
//   group 1 "right"       fires at cue_rate during the cues shown on the right, silent otherwise
//   group 2 "recall"      fires at cue_rate during the last recall_steps steps, silent otherwise
//   group 3 "background"  fires at background_rate on every step
// A neuron firing at rate r spikes on a step with probability r * dt (Bernoulli), independently
// of every other neuron and step.
//
// A trial: the dominant side is drawn uniformly (left or right); each of the `cues` cues is
// shown on the dominant side with probability cue_probability, on the other side otherwise,
// independently. Cue c (c = 0 .. cues-1) occupies the steps
//   [(c + 1) cue_spacing - cue_steps, (c + 1) cue_spacing)
// (a pause of cue_spacing - cue_steps steps before each cue, as in Bellec et al.'s code), so
// the cue period lasts cues * cue_spacing steps; then `delay` steps without cues, then the
// recall cue for the last recall_steps steps:
//   T = cues * cue_spacing + delay + recall_steps     (7 * 150 + 1050 + 150 = 2250 by default).
// The label is the side that showed more cues (cues is odd: no ties): class 0 = left, 1 = right;
// it differs from the dominant side when the draw went the other way. Output o = 2 logits, one-
// hot target of the label and loss mask 1 on the recall steps, 0 elsewhere; cross-entropy.
//
// Defaults follow Bellec et al. 2020 and their published code (github.com/IGITUGraz/
// eligibility_propagation, Figure_3_and_S7_e_prop_tutorials: tutorial_evidence_accumulation_
// with_alif.py and tools.py): 40 inputs in 4 groups of 10, 7 cues of 100 ms every 150 ms, cue
// and recall rate 40 Hz (f0 = 0.04 per ms), background 10 Hz (f0 / 4), cue probability 0.7
// (their p_group = 0.3 is the minority side's), recall 150 ms, and a trial of
// seq_len = 150 * 7 + 1200 = 2250 ms, which leaves delay = 2250 - 1050 - 150 = 1050 ms between
// the end of the cue period and the recall cue.
//
// Parameters: evidence_accumulation_params() below.
//
// Random draws: the trial structure (dominant side, then the side of each cue) of sequence b
// from Philox(seed, task, b); the spikes from a separate generator of the same stream (step
// tagged with bit 62), one uniform per (step, neuron) in time-major order, drawn whether or not
// the neuron can fire, so the rates change which spikes fire but never the cue sides, and a
// higher rate only adds spikes.
//
// Metrics (the dnms-v0 convention): "accuracy" fraction of trials whose logits summed over the
// recall steps have their argmax at the label; "chance" 0.5; "ce" mask-weighted mean
// cross-entropy per recall step.
#include <array>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr double kStepSeconds = 1e-3;  // dt = 1 ms
constexpr int kGroups = 4;
constexpr int kLeftGroup = 0;
constexpr int kRightGroup = 1;
constexpr int kRecallGroup = 2;
constexpr int kBackgroundGroup = 3;
constexpr int kClasses = 2;  // 0 = left, 1 = right
constexpr long kMaxGroupSize = 1000;
// Step tag of the spike generator of sequence b (the trial structure uses step = b < 2^31).
constexpr uint64_t kSpikeTag = uint64_t{1} << 62;

struct EvidenceConfig {
  int cues = 7;
  int cue_steps = 100;
  int cue_spacing = 150;
  int delay = 1050;
  int recall_steps = 150;
  double cue_rate = 40.0;
  double background_rate = 10.0;
  double cue_probability = 0.7;
  int group_size = 10;
};

const ParamTable<EvidenceConfig>& evidence_accumulation_params() {
  static const auto table =
      ParamTable<EvidenceConfig>()
          .integer("cues", &EvidenceConfig::cues, 1, kMaxTaskLength, "number of cues (odd)")
          .integer("cue_steps", &EvidenceConfig::cue_steps, 1, kMaxTaskLength, "duration of a cue in steps of 1 ms")
          .integer("cue_spacing", &EvidenceConfig::cue_spacing, 1, kMaxTaskLength,
                   "steps from one cue onset to the next (>= cue_steps)")
          .integer("delay", &EvidenceConfig::delay, 0, kMaxTaskLength,
                   "steps from the end of the cue period to the recall cue")
          .integer("recall_steps", &EvidenceConfig::recall_steps, 1, kMaxTaskLength,
                   "duration of the recall cue, the scored steps")
          .real("cue_rate", &EvidenceConfig::cue_rate, 0.0, 1.0 / kStepSeconds,
                "rate of the cue and recall groups while active, Hz")
          .real("background_rate", &EvidenceConfig::background_rate, 0.0, 1.0 / kStepSeconds,
                "rate of the background group, Hz")
          .real("cue_probability", &EvidenceConfig::cue_probability, 0.5, 1.0,
                "probability that a cue is on the trial's dominant side")
          .integer("group_size", &EvidenceConfig::group_size, 1, kMaxGroupSize,
                   "neurons per input group; m = 4 group_size");
  return table;
}

class EvidenceAccumulationTask final : public Task {
 public:
  explicit EvidenceAccumulationTask(const EvidenceConfig& config) : config_(config) {
    if (config_.cues % 2 == 0) {
      throw constraint_error(
          "evidence_accumulation-v0",
          "cues must be odd (the label is the side with more cues), got " + std::to_string(config_.cues));
    }
    if (config_.cue_spacing < config_.cue_steps) {
      throw constraint_error("evidence_accumulation-v0",
                             "cue_spacing must be >= cue_steps (= " + std::to_string(config_.cue_steps) + "), got " +
                                 std::to_string(config_.cue_spacing));
    }
    const long total = static_cast<long>(config_.cues) * config_.cue_spacing + config_.delay + config_.recall_steps;
    if (total > kMaxTaskLength) {
      throw constraint_error("evidence_accumulation-v0", "T = cues * cue_spacing + delay + recall_steps must be <= " +
                                                             std::to_string(kMaxTaskLength) + ", got " +
                                                             std::to_string(total));
    }
    steps_ = static_cast<int>(total);
  }

  std::string id() const override { return "evidence_accumulation-v0"; }
  int input_size() const override { return kGroups * config_.group_size; }
  int output_size() const override { return kClasses; }
  int steps() const override { return steps_; }
  LossKind loss() const override { return LossKind::cross_entropy; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    const int recall_onset = steps_ - config_.recall_steps;
    const double cue_p = config_.cue_rate * kStepSeconds;
    const double background_p = config_.background_rate * kStepSeconds;
    std::vector<int> cue_side(config_.cues);
    for (int b = 0; b < batch.B; ++b) {
      Philox trial_rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      const int dominant = trial_rng.bernoulli(0.5) ? kRightGroup : kLeftGroup;
      int right_cues = 0;
      for (int& side : cue_side) {
        side = trial_rng.bernoulli(config_.cue_probability) ? dominant : 1 - dominant;
        right_cues += side == kRightGroup;
      }
      const int label = 2 * right_cues > config_.cues ? kRightGroup : kLeftGroup;

      Philox spike_rng(seed, RandomStream::task, kSpikeTag | static_cast<uint64_t>(b));
      for (int t = 0; t < batch.T; ++t) {
        // Rate of each group at step t: the cue group of the cue shown now, the recall group in
        // the recall window, the background group always.
        std::array<double, kGroups> p{};
        const int cue = t / config_.cue_spacing;
        if (cue < config_.cues && t % config_.cue_spacing >= config_.cue_spacing - config_.cue_steps)
          p[cue_side[cue]] = cue_p;
        if (t >= recall_onset) p[kRecallGroup] = cue_p;
        p[kBackgroundGroup] = background_p;
        double* x = &batch.inputs[(static_cast<size_t>(t) * batch.B + b) * batch.m];
        for (int g = 0; g < kGroups; ++g) {
          for (int i = 0; i < config_.group_size; ++i) {
            x[g * config_.group_size + i] = spike_rng.uniform() < p[g] ? 1.0 : 0.0;
          }
        }
      }
      for (int t = recall_onset; t < batch.T; ++t) {
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        batch.targets[at * batch.o + label] = 1.0;
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
    std::map<std::string, std::string> values = evidence_accumulation_params().text(config_);
    values["T"] = std::to_string(steps_);
    return values;
  }

 private:
  EvidenceConfig config_;
  int steps_ = 0;
};

}  // namespace

const TaskInfo& evidence_accumulation_task_info() {
  static const TaskInfo info{
      "evidence_accumulation-v0",
      "evidence accumulation (Bellec et al. 2020): Poisson spike inputs (left, right, recall, "
      "background groups; dt = 1 ms), report the side that showed more cues; CE on the recall "
      "steps",
      evidence_accumulation_params().docs()};
  return info;
}

std::unique_ptr<Task> make_evidence_accumulation_task(
    const std::map<std::string, std::string>& params) {
  return std::make_unique<EvidenceAccumulationTask>(
      evidence_accumulation_params().parse(evidence_accumulation_task_info().id, params));
}

}  // namespace tca
