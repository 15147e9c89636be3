// The task interface and registry.
//
// A task generates batches of sequences, deterministic given a seed, and scores a network's
// outputs on them. Tasks are backend independent: they fill host arrays in double precision,
// and the model copies them to the backend and precision of the run.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/params.h"

namespace tca {

using TaskParam = ParamDoc;

// B endless streams of a task, handed out T steps at a time: the data of the online regime of
// training, where the network and the rule's traces carry over from one chunk to the next.
class TaskStream {
 public:
  virtual ~TaskStream() = default;
  // The next T steps of every stream (trial_start marks where trials begin).
  virtual Batch next() = 0;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string id() const = 0;  // versioned registry id, e.g. "dnms-v0"
  virtual int input_size() const = 0;
  virtual int output_size() const = 0;
  virtual int steps() const = 0;  // T of every sequence
  virtual LossKind loss() const = 0;
  // The same seed gives the same batch; sequence b does not depend on batch_size.
  virtual Batch sample(int batch_size, uint64_t seed) const = 0;
  // Scores network outputs (o values per step: logits for cross-entropy) on a batch:
  // task-specific metrics and their baselines, e.g. {"accuracy", "chance"}.
  virtual std::map<std::string, double> metrics(const Batch& batch,
                                                const std::vector<double>& outputs) const = 0;
  // Effective parameter values (defaults overridden by what was given), for reports.
  virtual std::map<std::string, std::string> config() const = 0;
  // B streams keyed by `seed`. By default trials back to back: chunk i is
  // sample(B, derived_seed(seed, SeedPurpose::training, i)), the batch a batched training run
  // with that seed draws at iteration i. Tasks defined on one continuous signal (add, mimic)
  // continue it across chunks instead, so that the chunks concatenated are one long sequence.
  // The stream refers to the task, which must outlive it.
  virtual std::unique_ptr<TaskStream> stream(int batch_size, uint64_t seed) const;
};

struct TaskInfo {
  std::string id;
  std::string summary;
  std::vector<TaskParam> params;
};

// All registered tasks with their documented parameters.
const std::vector<TaskInfo>& task_registry();

// Builds a task by id with parameter overrides (name -> value as text). Throws
// std::invalid_argument naming the valid ids, or the valid parameters of that task, on an
// unknown id, unknown parameter or unparsable / out-of-range value.
std::unique_ptr<Task> make_task(const std::string& id,
                                const std::map<std::string, std::string>& params = {});

}  // namespace tca
