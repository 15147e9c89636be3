// What a probe, a training call or a suite cell will cost before it runs: time, FLOPs and the
// memory of the rule states and batches.
//
// Time comes from a quick calibration on this machine of the units a run is made of, each timed
// by running the real code on a real batch of the task:
//   - a training window of the rule (a fresh batch sampled, the window, the parameter update;
//     the online schedule applies an update after every step, as training does);
//   - a forward-only window (validation, test, the generalisation gap);
//   - an exact window: BPTT in double on the CPU (the probe's reference, its data floor, its own
//     training run to later checkpoints; curvature and alignment during training).
// A unit runs windows until kCalibrationSeconds have passed or kCalibrationWindows have run (three
// at least; the first, which allocates the rule's state, is not counted). A window longer than
// that is cut after a few steps and extrapolated from the time per step of the steps after the
// first (which pays for allocating the rule's state). A rule whose windows must run whole (BPTT,
// the perturbation and spiking rules), on a window predicted from its first steps to take longer
// than kLongWindowSeconds, is timed on windows of the batch's first steps and scaled up to T. Units are cached, so the cells of a suite
// that share a unit (the forward and exact windows of a task and size) time it once.
//
// The count of each unit follows the run's loops (bench/experiments/train.cpp, probe.cpp): an
// estimate assumes no run diverges or stops at its criterion (runs that do take less), and takes
// the Hessian's power iteration at kExpectedCurvatureIterations. It leaves out the confirmation
// batches of a criterion (confirm_batch: only when a validation point meets it), and counts the
// FLOPs and state of the training rule only (not those of the alignment's second estimator).
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "bench/experiments/probe.h"
#include "bench/experiments/train.h"

namespace tca {

constexpr double kCalibrationSeconds = 0.1;
constexpr int kCalibrationWindows = 10;
constexpr double kLongWindowSeconds = 0.5;

struct CostEstimate {
  double seconds = 0;      // wall time, with runs side by side where they will be
  double flops = 0;        // of the rules' gradient estimates (Rule::flops_per_step over all steps)
  size_t memory_bytes = 0; // peak of the rule states (exact learners included) and batches held at once
  CostEstimate& operator+=(const CostEstimate& other);
};

// "3.2 min, 4.1 GFLOP, 120 MB of rule state and batches": the estimate in words, for progress lines and refusals.
std::string describe(const CostEstimate& cost);
// "45 s", "3.2 min", "2.4 h".
std::string describe_seconds(double seconds);

class CostCalibration {
 public:
  // long_window_seconds: from how long a whole window is timed on its first steps only.
  explicit CostCalibration(double long_window_seconds = kLongWindowSeconds) : long_window_(long_window_seconds) {}
  virtual ~CostCalibration() = default;
  // Seconds of one training window of `config`'s rule (at its batch, dtype, device and update
  // schedule, in its regime) and of one forward-only window of `batch` sequences.
  virtual double training_window(const TrainConfig& config);
  virtual double forward_window(const TrainConfig& config, int batch);
  // Seconds of one window of BPTT in double on the CPU, at `batch` sequences.
  virtual double exact_window(const TrainConfig& config, int batch);
  // Seconds spent calibrating so far (what the calibration itself cost).
  double seconds_spent() const { return spent_; }

 private:
  std::map<std::string, double> cache_;
  double spent_ = 0;
  double long_window_;
};

// Power iterations a run's curvature takes on average: the mean over the smoke suite's 450 runs
// (out/suite at the issue-14 change that added this file; the range is 3 to the cap, 50).
constexpr int kExpectedCurvatureIterations = 11;

// Estimates of the whole call: train with `jobs` runs side by side (as run_training chooses
// them), and the probe of every rule of the config. They first refuse what the runs would refuse
// before any work (check_training, check_probe), so nothing too large is calibrated.
CostEstimate estimate_training(const TrainConfig& config, int jobs, CostCalibration& calibration);
// with_reference false: the probe's reference (its training run, exact gradients and data
// floor) comes from an earlier probe of the same probe_reference_key (ProbeReferences).
CostEstimate estimate_probe(const ProbeConfig& config, CostCalibration& calibration, bool with_reference = true);

}  // namespace tca
