// The cost estimate (bench/experiments/cost.h): its counts of each unit against a hand count,
// with unit times fixed by the test; the calibration of real windows; probe's refusal above
// --max-hours.
#include <gtest/gtest.h>

#include <cmath>

#include "algorithms/learner.h"
#include "bench/experiments/cost.h"
#include "models/registry.h"
#include "tasks/task.h"
#include "test_util.h"

namespace tca {
namespace {

using test::CommandResult;
using test::run_tcabench;

// Unit times chosen by the test, so that an estimate is a count of units.
class FixedUnits : public CostCalibration {
 public:
  double training_window(const TrainConfig& c) override {
    return c.update == UpdateSchedule::step ? 2.0 : 1.0 + 0.25 * (c.batch != 4);
  }
  double forward_window(const TrainConfig&, int batch) override { return 0.001 * batch; }
  double exact_window(const TrainConfig&, int batch) override { return 0.01 * batch; }
};

// Unit times, recording the CPU BLAS threads each training window was timed under.
class ThreadsSeen : public FixedUnits {
 public:
  std::vector<int> threads;
  double training_window(const TrainConfig& c) override {
    threads.push_back(cpu_blas_threads());
    return FixedUnits::training_window(c);
  }
};

TrainConfig small_training() {
  TrainConfig c;
  c.task = "add-v0";
  c.task_params = {{"T", "20"}};
  c.algorithm = "rflo";
  c.hidden = 8;
  c.batch = 4;
  c.seeds = {1, 2, 3};
  c.learning_rates = {1e-3, 1e-2};
  c.iterations = 50;
  c.eval_every = 20;
  c.eval_batch = 100;
  return c;
}

double rule_flops_per_step(const std::string& rule, int hidden, const std::string& task,
                           const std::map<std::string, std::string>& task_params) {
  const std::unique_ptr<Task> t = make_task(task, task_params);
  Learner learner(make_network("rate", rate_or_model_knobs("rate", hidden, 1.0, 1.0, {}),
                               {t->input_size(), t->output_size(), t->loss()}, DType::f32, Device::cpu),
                  rule);
  return learner.rule().flops_per_step();
}

TEST(Cost, TrainingCountsEveryWindowOfEveryRun) {
  FixedUnits units;
  TrainConfig c = small_training();
  // A run: 50 windows of 1 s; validation at 0, 20, 40 and 50 and the test: 5 forward windows of 0.1 s.
  const double run = 50 * 1.0 + 5 * 0.1;
  EXPECT_NEAR(estimate_training(c, 1, units).seconds, 6 * run, 1e-9);
  EXPECT_NEAR(estimate_training(c, 4, units).seconds, 2 * run, 1e-9);  // 6 runs, 4 at a time: two rounds
  EXPECT_NEAR(estimate_training(c, 6, units).seconds, run, 1e-9);
  const CostEstimate cost = estimate_training(c, 1, units);
  EXPECT_DOUBLE_EQ(cost.flops, rule_flops_per_step("rflo", 8, "add-v0", c.task_params) * 20 * 4 * 50 * 6);
  EXPECT_GT(cost.memory_bytes, 0u);

  // Where a run ends: 11 power iterations of two exact windows of 10 sequences, and the
  // generalisation gap's forward window of the training batch.
  c.curvature_batch = 10;
  const double curvature = 2 * kExpectedCurvatureIterations * 0.1 + 0.004;
  EXPECT_NEAR(estimate_training(c, 1, units).seconds, 6 * (run + curvature), 1e-9);
  // Alignment at 0, 25 and 50, on 8 sequences: an exact window and a window of the rule each.
  c.align_every = 25;
  c.align_batch = 8;
  EXPECT_NEAR(estimate_training(c, 1, units).seconds, 6 * (run + curvature + 3 * (0.08 + 1.25)), 1e-9);
}

TEST(Cost, RunsSideBySideAreTimedWithTheOneBlasThreadEachGets) {
  // Runs side by side give each BLAS call one thread (parallel_runs.h); timing their windows
  // with all of them would count the cores twice for a BLAS-bound rule.
  const int threads = cpu_blas_threads();
  ThreadsSeen seen;
  const TrainConfig c = small_training();
  estimate_training(c, 1, seen);
  estimate_training(c, 3, seen);
  ASSERT_EQ(seen.threads.size(), 2u);
  EXPECT_EQ(seen.threads[0], threads);
  EXPECT_EQ(seen.threads[1], 1);
  EXPECT_EQ(cpu_blas_threads(), threads);  // restored
}

TEST(Cost, OnlineTrainingScoresAfterAWarmUpWindow) {
  FixedUnits units;
  TrainConfig c = small_training();
  set_online_regime(c);
  c.batch = 1;
  // Step updates (2 s a window here); every evaluation is a warm-up window and the scored one.
  EXPECT_NEAR(estimate_training(c, 1, units).seconds, 6 * (50 * 2.0 + 5 * 2 * 0.1), 1e-9);
}

TEST(Cost, ProbeCountsItsTrainingReferenceFloorAndSamples) {
  FixedUnits units;
  ProbeConfig p;
  p.task = "add-v0";
  p.task_params = {{"T", "20"}};
  p.algorithms = {"uoro", "rflo"};
  p.hidden = 8;
  p.batch = 4;
  p.samples = 5;
  p.checkpoints = {0, 30};
  p.data_batches = 3;
  // 30 training steps and, at each of 2 checkpoints, the reference and 3 floor batches: exact
  // windows of 0.04 s; uoro's 5 samples and rflo's one window at each checkpoint.
  const CostEstimate cost = estimate_probe(p, units);
  EXPECT_NEAR(cost.seconds, 0.04 * (30 + 2 * (1 + 3)) + 2 * 5 * 1.0 + 2 * 1 * 1.0, 1e-9);
  const double flops = (10 * rule_flops_per_step("uoro", 8, "add-v0", p.task_params) +
                        2 * rule_flops_per_step("rflo", 8, "add-v0", p.task_params)) * 20 * 4;
  EXPECT_DOUBLE_EQ(cost.flops, flops);
  // A rule that adapts its own parameters (kernl) first runs adapt_windows windows at each checkpoint.
  p.algorithms = {"kernl"};
  p.adapt_windows = 7;
  p.data_batches = 0;
  EXPECT_NEAR(estimate_probe(p, units).seconds, 0.04 * (30 + 2) + 2 * (1 + 7) * 1.0, 1e-9);
}

TEST(Cost, CalibrationTimesRealWindowsOnceEach) {
  CostCalibration calibration;
  TrainConfig c = small_training();
  const double window = calibration.training_window(c);
  const double forward = calibration.forward_window(c, 32);
  const double exact = calibration.exact_window(c, 4);
  for (const double s : {window, forward, exact}) {
    EXPECT_TRUE(std::isfinite(s));
    EXPECT_GT(s, 0.0);
  }
  const double spent = calibration.seconds_spent();
  EXPECT_GT(spent, 0.0);
  EXPECT_EQ(calibration.training_window(c), window);  // cached: timed once
  EXPECT_EQ(calibration.seconds_spent(), spent);
  c.algorithm = "uoro";  // another rule is another unit
  calibration.training_window(c);
  EXPECT_GT(calibration.seconds_spent(), spent);
}

TEST(Cost, AWholeWindowPastTheLongWindowTimeIsTimedOnItsFirstSteps) {
  // Every window counts as long here, so BPTT (whose windows run whole) is timed on windows of
  // the batch's first 3 steps and scaled to T = 20.
  CostCalibration calibration(1e-12);
  TrainConfig c = small_training();
  c.algorithm = "bptt";
  const double window = calibration.training_window(c);
  EXPECT_TRUE(std::isfinite(window));
  EXPECT_GT(window, 0.0);
}

TEST(Cost, DescribesTimesInTheirUnit) {
  EXPECT_EQ(describe_seconds(45), "45 s");
  EXPECT_EQ(describe_seconds(180), "3 min");
  EXPECT_EQ(describe_seconds(9000), "2.5 h");
  CostEstimate cost;
  cost.seconds = 90;
  cost.flops = 2.5e9;
  cost.memory_bytes = 120000000;
  EXPECT_EQ(describe(cost), "1.5 min, 2.5 GFLOP, 120 MB of rule state and batches");
}

TEST(Cost, ProbeAndTrainRefuseAboveMaxHoursUnlessToldToGoOn) {
  const std::string probe = "probe --task add-v0 --task-param T=10 --algo rflo --hidden 4 --batch 2 --data-batches 0 ";
  CommandResult r = run_tcabench(probe + "--max-hours 1e-9 --quiet");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("more than --max-hours"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--go-on"), std::string::npos) << r.output;
  r = run_tcabench(probe + "--max-hours 1e-9 --go-on --quiet");
  EXPECT_EQ(r.status, 0) << r.output;
  r = run_tcabench(probe + "--max-hours 1");  // within: the estimate is printed, the probe runs
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("probe: estimated "), std::string::npos) << r.output;
  r = run_tcabench("train --task add-v0 --task-param T=10 --algo rflo --hidden 4 --batch 2 --iterations 3 "
                   "--eval-every 1 --eval-batch 4 --seeds 1 --lr 0.01 --max-hours 1e-9 --quiet");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("train: estimated "), std::string::npos) << r.output;
  r = run_tcabench(probe + "--max-hours 0 --quiet");
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("--max-hours: must be positive"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tca
