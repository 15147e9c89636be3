// Internal helpers shared by the task implementations (not part of the public interface in
// task.h): strict parsing and validation of the text parameters, the task factories that
// registry.cpp lists, and the small numeric pieces every classification task scores with.
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
#include <vector>

#include "tasks/task.h"

namespace tca {

// Upper bound on every length-like parameter (steps, delays): keeps batches allocatable.
constexpr long kMaxTaskLength = 100000;

// Shortest decimal text that parses back to the same double ("2.2", not "2.2000000000000002").
inline std::string format_real(double value) {
  char text[32];
  const std::to_chars_result result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// The parameters of one task instance: the documented defaults of its TaskInfo overridden by
// what the caller gave. The constructor rejects unknown names; integer() and real() parse a
// value strictly (the whole text must be a number) and check its range.
class TaskParams {
 public:
  TaskParams(const TaskInfo& info, const std::map<std::string, std::string>& overrides)
      : task_id_(info.id), documented_(info.params) {
    for (const TaskParam& param : info.params) values_[param.name] = param.default_value;
    for (const auto& [name, value] : overrides) {
      if (values_.count(name) == 0) {
        throw std::invalid_argument(task_id_ + ": unknown parameter '" + name +
                                    "'; valid parameters (with defaults): " + valid_names());
      }
      values_[name] = value;
    }
  }

  long integer(const std::string& name, long min_value, long max_value) const {
    const std::string& text = lookup(name);
    const std::string range =
        "an integer in [" + std::to_string(min_value) + ", " + std::to_string(max_value) + "]";
    if (text.empty() ||
        !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' || text[0] == '+')) {
      throw bad_value(name, text, range);
    }
    errno = 0;
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || value < min_value || value > max_value) {
      throw bad_value(name, text, range);
    }
    return value;
  }

  // A finite number in [min_value, max_value], or in (min_value, max_value] when
  // exclusive_min (for quantities that must be positive).
  double real(const std::string& name, double min_value, double max_value,
              bool exclusive_min = false) const {
    const std::string& text = lookup(name);
    const std::string range = std::string("a number in ") + (exclusive_min ? "(" : "[") +
                              format_real(min_value) + ", " + format_real(max_value) + "]";
    if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) {
      throw bad_value(name, text, range);
    }
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(value) || value < min_value ||
        (exclusive_min && value == min_value) || value > max_value) {
      throw bad_value(name, text, range);
    }
    return value;
  }

  // An invalid_argument for a value that parses but breaks a constraint between parameters.
  std::invalid_argument constraint_error(const std::string& message) const {
    return std::invalid_argument(task_id_ + ": " + message);
  }

 private:
  const std::string& lookup(const std::string& name) const {
    const auto found = values_.find(name);
    if (found == values_.end()) {  // a task asked for a parameter its TaskInfo does not list
      throw std::logic_error(task_id_ + ": parameter '" + name + "' is not documented");
    }
    return found->second;
  }
  std::string valid_names() const {
    std::string names;
    for (const TaskParam& param : documented_) {
      if (!names.empty()) names += ", ";
      names += param.name + "=" + param.default_value;
    }
    return names;
  }
  std::invalid_argument bad_value(const std::string& name, const std::string& text,
                                  const std::string& range) const {
    return std::invalid_argument(task_id_ + ": parameter '" + name + "' must be " + range +
                                 ", got '" + text + "'");
  }

  std::string task_id_;
  std::vector<TaskParam> documented_;
  std::map<std::string, std::string> values_;
};

// ---- task factories: each defined in its tasks/<name>.cpp, listed by tasks/registry.cpp ----
const TaskInfo& dnms_task_info();
std::unique_ptr<Task> make_dnms_task(const std::map<std::string, std::string>& params);
const TaskInfo& path_integration_task_info();
std::unique_ptr<Task> make_path_integration_task(const std::map<std::string, std::string>& params);
const TaskInfo& copy_task_info();
std::unique_ptr<Task> make_copy_task(const std::map<std::string, std::string>& params);
const TaskInfo& add_task_info();
std::unique_ptr<Task> make_add_task(const std::map<std::string, std::string>& params);

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

}  // namespace tca
