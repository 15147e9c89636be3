// copy-v0: the copy memory task of Arjovsky, Shah & Bengio 2016 ("Unitary evolution recurrent
// neural networks", ICML), section 4.1.
//
// Alphabet: 0 = blank, 1..8 = data symbols, 9 = marker. A sequence of T = delay + 20 steps:
// 10 data symbols drawn uniformly (with replacement) from 1..8, then delay - 1 blanks, then
// the marker, then 10 blanks. Target: blank for the first delay + 10 steps, then the 10 data
// symbols in order.
// Inputs m = 10: one-hot of the input symbol. Outputs o = 9: logits of classes 0..8 (blank and
// the data symbols; the marker never is a target, as in Arjovsky et al.'s setup), one-hot
// targets, cross-entropy with loss mask 1 on all steps (the memoryless baseline is defined
// over all delay + 20 steps).
//
// Parameters: copy_params() below (delay is Arjovsky et al.'s T).
//
// Metrics: "ce" mask-weighted mean cross-entropy per step; "baseline_ce" = 10 ln 8 /
// (delay + 20), the loss of the memoryless strategy (blank until the marker, then uniform over
// the 8 symbols); "recall_accuracy" fraction of the 10 recall steps whose argmax is the
// symbol; "chance" = 1 / 8, the recall accuracy of guessing.
#include <algorithm>
#include <cmath>

#include "kernels/philox.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

constexpr int kBlank = 0;
constexpr int kDataSymbols = 8;  // symbols 1..8
constexpr int kMarker = 9;
constexpr int kInputSymbols = 10;    // blank, 8 data symbols, marker
constexpr int kOutputClasses = 9;    // blank, 8 data symbols
constexpr int kSequenceLength = 10;  // data symbols to copy

struct CopyConfig {
  int delay = 20;
};

const ParamTable<CopyConfig>& copy_params() {
  static const auto table = ParamTable<CopyConfig>().integer(
      "delay", &CopyConfig::delay, 1, kMaxTaskLength - 2 * kSequenceLength,
      "steps from the last data symbol to the marker");
  return table;
}

class CopyTask final : public Task {
 public:
  explicit CopyTask(const CopyConfig& config) : config_(config) {}

  std::string id() const override { return "copy-v0"; }
  int input_size() const override { return kInputSymbols; }
  int output_size() const override { return kOutputClasses; }
  int steps() const override { return config_.delay + 2 * kSequenceLength; }
  LossKind loss() const override { return LossKind::cross_entropy; }

  Batch sample(int batch_size, uint64_t seed) const override {
    Batch batch = make_empty_batch(*this, batch_size);
    std::fill(batch.loss_mask.begin(), batch.loss_mask.end(), 1.0);
    const int marker_step = kSequenceLength + config_.delay - 1;
    const int recall_onset = kSequenceLength + config_.delay;
    for (int b = 0; b < batch.B; ++b) {
      Philox rng(seed, RandomStream::task, static_cast<uint64_t>(b));
      int symbols[kSequenceLength];
      for (int& symbol : symbols) symbol = 1 + static_cast<int>(rng.below(kDataSymbols));
      for (int t = 0; t < batch.T; ++t) {
        int input_symbol = kBlank;
        if (t < kSequenceLength) input_symbol = symbols[t];
        if (t == marker_step) input_symbol = kMarker;
        const int target_symbol = t >= recall_onset ? symbols[t - recall_onset] : kBlank;
        const size_t at = static_cast<size_t>(t) * batch.B + b;
        batch.inputs[at * batch.m + input_symbol] = 1.0;
        batch.targets[at * batch.o + target_symbol] = 1.0;
      }
    }
    return batch;
  }

  std::map<std::string, double> metrics(const Batch& batch,
                                        const std::vector<double>& outputs) const override {
    check_output_size(*this, batch, outputs);
    const int recall_onset = batch.T - kSequenceLength;
    int recalled = 0;
    for (int t = recall_onset; t < batch.T; ++t) {
      for (int b = 0; b < batch.B; ++b) {
        const size_t at = (static_cast<size_t>(t) * batch.B + b) * batch.o;
        if (argmax(&outputs[at], batch.o) == argmax(&batch.targets[at], batch.o)) ++recalled;
      }
    }
    return {{"ce", mean_cross_entropy(batch, outputs)},
            {"baseline_ce", kSequenceLength * std::log(static_cast<double>(kDataSymbols)) /
                                (config_.delay + 2 * kSequenceLength)},
            {"recall_accuracy", static_cast<double>(recalled) / (kSequenceLength * batch.B)},
            {"chance", 1.0 / kDataSymbols}};
  }

  std::map<std::string, std::string> config() const override {
    std::map<std::string, std::string> values = copy_params().text(config_);
    values["T"] = std::to_string(steps());
    return values;
  }

 private:
  CopyConfig config_;
};

}  // namespace

const TaskInfo& copy_task_info() {
  static const TaskInfo info{
      "copy-v0",
      "copy memory (Arjovsky et al. 2016): recall 10 symbols of 8 after a delay and a marker; "
      "CE on all delay + 20 steps",
      copy_params().docs()};
  return info;
}

std::unique_ptr<Task> make_copy_task(const std::map<std::string, std::string>& params) {
  return std::make_unique<CopyTask>(copy_params().parse(copy_task_info().id, params));
}

}  // namespace tca
