// Internal helpers shared by the task implementations (not part of the public interface in
// task.h): the parameter tables (core/param_table.h), the task factories that
// tasks/task_list.inc lists, and the small numeric pieces every classification task scores with.
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/param_table.h"
#include "core/params.h"
#include "tasks/task.h"

namespace tca {

// ---- task factories: each defined in its tasks/<name>.cpp, listed by tasks/task_list.inc ----
#define TCA_TASK(name)                   \
  const TaskInfo& name##_task_info(); \
  std::unique_ptr<Task> make_##name##_task(const std::map<std::string, std::string>& params);
#include "tasks/task_list.inc"
#undef TCA_TASK

// The error for parameter values that are each valid but break a constraint between them.
inline std::invalid_argument constraint_error(const std::string& task_id, const std::string& message) {
  return std::invalid_argument(task_id + ": " + message);
}

// ---- shared pieces of sample() and metrics() ------------------------------------------------

// An empty batch of the task's shape with zero inputs, targets and mask and trial_start set
// at t = 0 (every sequence is one trial).
inline Batch make_empty_batch(const Task& task, int batch_size) {
  if (batch_size < 1) {
    throw std::invalid_argument(task.id() + ": batch size must be >= 1, got " +
                                std::to_string(batch_size));
  }
  Batch batch;
  batch.T = task.steps();
  batch.B = batch_size;
  batch.m = task.input_size();
  batch.o = task.output_size();
  batch.loss = task.loss();
  const size_t steps = static_cast<size_t>(batch.T) * batch.B;
  batch.inputs.assign(steps * batch.m, 0.0);
  batch.targets.assign(steps * batch.o, 0.0);
  batch.loss_mask.assign(steps, 0.0);
  batch.trial_start.assign(steps, 0);
  for (int b = 0; b < batch.B; ++b) batch.trial_start[b] = 1;
  return batch;
}

// The stream of a task defined on one continuous signal: one Sequence per stream, each going on
// where it stopped. Sequence::fill(batch, b) writes the next T steps of sequence b (inputs,
// targets and mask). Trial starts: only the stream's first step.
template <typename Sequence>
class ContinuingStream final : public TaskStream {
 public:
  ContinuingStream(const Task& task, std::vector<Sequence> sequences)
      : task_(task), sequences_(std::move(sequences)) {}
  Batch next() override {
    Batch batch = make_empty_batch(task_, static_cast<int>(sequences_.size()));
    if (!first_) std::fill(batch.trial_start.begin(), batch.trial_start.end(), 0);
    first_ = false;
    for (int b = 0; b < batch.B; ++b) sequences_[static_cast<size_t>(b)].fill(batch, b);
    return batch;
  }

 private:
  const Task& task_;
  std::vector<Sequence> sequences_;
  bool first_ = true;
};

// Checks that outputs holds o values for each of the batch's T x B steps.
inline void check_output_size(const Task& task, const Batch& batch,
                              const std::vector<double>& outputs) {
  const size_t expected = static_cast<size_t>(batch.T) * batch.B * batch.o;
  if (outputs.size() != expected) {
    throw std::invalid_argument(task.id() + ": metrics need T*B*o = " + std::to_string(expected) +
                                " outputs, got " + std::to_string(outputs.size()));
  }
}

// Cross-entropy -sum_j p_j log softmax(logits)_j of one step, for one-hot or soft targets p.
inline double softmax_cross_entropy(const double* logits, const double* target, int classes) {
  double max_logit = logits[0];
  for (int j = 1; j < classes; ++j) max_logit = std::max(max_logit, logits[j]);
  double sum_exp = 0.0;
  for (int j = 0; j < classes; ++j) sum_exp += std::exp(logits[j] - max_logit);
  const double log_normaliser = max_logit + std::log(sum_exp);
  double loss = 0.0;
  for (int j = 0; j < classes; ++j) {
    if (target[j] != 0.0) loss -= target[j] * (logits[j] - log_normaliser);
  }
  return loss;
}

// Mask-weighted mean cross-entropy per step over a batch (0 when the mask is all zero).
inline double mean_cross_entropy(const Batch& batch, const std::vector<double>& outputs) {
  double loss = 0.0, weight = 0.0;
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b) {
      const double w = batch.mask(t, b);
      if (w == 0.0) continue;
      const size_t at = (static_cast<size_t>(t) * batch.B + b) * batch.o;
      loss += w * softmax_cross_entropy(&outputs[at], &batch.targets[at], batch.o);
      weight += w;
    }
  }
  return weight > 0.0 ? loss / weight : 0.0;
}

// Index of the largest of n values (the first on ties).
inline int argmax(const double* values, int n) {
  int best = 0;
  for (int j = 1; j < n; ++j) {
    if (values[j] > values[best]) best = j;
  }
  return best;
}

// Trial accuracy of a classification task whose sequences are one trial each: the fraction of
// sequences with at least one masked step whose logits, summed over their masked steps, have
// their argmax at the target class (read from the last masked step). 0 when none is scored.
inline double summed_logit_accuracy(const Batch& batch, const std::vector<double>& outputs) {
  int trials = 0, correct = 0;
  std::vector<double> summed_logits(batch.o);
  for (int b = 0; b < batch.B; ++b) {
    std::fill(summed_logits.begin(), summed_logits.end(), 0.0);
    int target_class = -1;
    for (int t = 0; t < batch.T; ++t) {
      if (batch.mask(t, b) == 0.0) continue;
      const size_t at = (static_cast<size_t>(t) * batch.B + b) * batch.o;
      for (int j = 0; j < batch.o; ++j) summed_logits[j] += outputs[at + j];
      target_class = argmax(&batch.targets[at], batch.o);
    }
    if (target_class < 0) continue;  // no masked step: not a scored trial
    ++trials;
    if (argmax(summed_logits.data(), batch.o) == target_class) ++correct;
  }
  return trials > 0 ? static_cast<double>(correct) / trials : 0.0;
}

// Mask-weighted mean squared error per step and output channel, (1/o) sum_j (y_j - target_j)^2
// averaged over the masked steps (0 when the mask is all zero). The model's MSE loss per step,
// 1/2 |y - target|^2, is o/2 times it.
inline double mean_squared_error(const Batch& batch, const std::vector<double>& outputs) {
  double squared_error = 0.0, weight = 0.0;
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b) {
      const double w = batch.mask(t, b);
      if (w == 0.0) continue;
      const size_t at = (static_cast<size_t>(t) * batch.B + b) * batch.o;
      double sum = 0.0;
      for (int j = 0; j < batch.o; ++j) {
        const double e = outputs[at + j] - batch.targets[at + j];
        sum += e * e;
      }
      squared_error += w * sum / batch.o;
      weight += w;
    }
  }
  return weight > 0.0 ? squared_error / weight : 0.0;
}

}  // namespace tca
