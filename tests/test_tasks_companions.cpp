// Tests of the companion tasks flipflop-v0, mimic-v0 and evidence_accumulation-v0: the
// structure of their sequences against an independent reading of their specification, the
// statistics of their random draws, their metrics and baselines, and parameter errors.
// (Shapes, determinism and batch-size independence of every task are in test_tasks.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace tca {
namespace {

std::string make_task_error(const std::string& id, const std::map<std::string, std::string>& params) {
  try {
    make_task(id, params);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "make_task(" << id << ") did not throw";
  return "";
}

// ---- flip-flop ------------------------------------------------------------------------------

TEST(TaskFlipFlop, OutputsHoldTheSignOfTheLastPulse) {
  const auto task = make_task("flipflop-v0");
  ASSERT_EQ(task->input_size(), 3);
  ASSERT_EQ(task->output_size(), 3);
  ASSERT_EQ(task->loss(), LossKind::mse);
  const Batch batch = task->sample(50, 12);
  int flips = 0, held_steps = 0;
  for (int b = 0; b < batch.B; ++b) {
    for (int i = 0; i < 3; ++i) {
      double held = 0.0;  // no pulse yet
      for (int t = 0; t < batch.T; ++t) {
        const double x = batch.input(t, b, i);
        ASSERT_TRUE(x == 0.0 || x == 1.0 || x == -1.0);
        if (x != 0.0) {
          flips += x != held && held != 0.0;
          held = x;
        }
        ASSERT_EQ(batch.target(t, b, i), held) << "b=" << b << " i=" << i << " t=" << t;
        ASSERT_EQ(batch.mask(t, b), 1.0);
        held_steps += x == 0.0 && held != 0.0;
      }
    }
  }
  EXPECT_GT(flips, 100) << "signs change";
  EXPECT_GT(held_steps, 5000) << "outputs are held between pulses";
}

TEST(TaskFlipFlop, PulsesHaveTheDocumentedFrequencyAndBalancedSigns) {
  const Batch batch = make_task("flipflop-v0", {{"pulse_probability", "0.2"}})->sample(200, 3);
  double pulses = 0, positive = 0, both = 0;
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b) {
      for (int i = 0; i < 3; ++i) {
        pulses += batch.input(t, b, i) != 0.0;
        positive += batch.input(t, b, i) == 1.0;
      }
      both += batch.input(t, b, 0) != 0.0 && batch.input(t, b, 1) != 0.0;
    }
  }
  const double slots = 3.0 * batch.T * batch.B;
  EXPECT_NEAR(pulses / slots, 0.2, 0.0075);           // 5 sd
  EXPECT_NEAR(positive / pulses, 0.5, 0.02);          // 5 sd
  EXPECT_NEAR(both / (batch.T * batch.B), 0.04, 0.007);  // channels independent: 0.2 * 0.2
  // At probability 1 every step is a pulse and the target is the input.
  const Batch always = make_task("flipflop-v0", {{"pulse_probability", "1"}})->sample(4, 3);
  EXPECT_EQ(always.targets, always.inputs);
}

TEST(TaskFlipFlop, MetricsAndBaselines) {
  const auto task = make_task("flipflop-v0", {{"T", "400"}});
  const Batch batch = task->sample(100, 8);
  const auto perfect = task->metrics(batch, batch.targets);
  EXPECT_EQ(perfect.at("mse"), 0.0);
  // Predicting 0 costs 1 wherever a pulse has come: on average 1 - (1 - p)^(t + 1).
  double expected_zero = 0.0;
  for (int t = 0; t < batch.T; ++t) expected_zero += 1.0 - std::pow(0.95, t + 1);
  expected_zero /= batch.T;
  EXPECT_NEAR(perfect.at("baseline_zero"), expected_zero, 0.02);
  const auto zero = task->metrics(batch, std::vector<double>(batch.targets.size(), 0.0));
  EXPECT_EQ(zero.at("mse"), zero.at("baseline_zero"));
  const auto copy = task->metrics(batch, batch.inputs);
  EXPECT_EQ(copy.at("mse"), copy.at("baseline_copy_input"));
  // Copying the input is right on the pulse steps (5% of them) and as wrong as 0 elsewhere.
  EXPECT_LT(copy.at("baseline_copy_input"), copy.at("baseline_zero"));
  EXPECT_GT(copy.at("baseline_copy_input"), 0.85 * copy.at("baseline_zero"));
  // mse is per channel: an output off by 0.5 on every channel scores 0.25.
  std::vector<double> off = batch.targets;
  for (double& v : off) v += 0.5;
  EXPECT_NEAR(task->metrics(batch, off).at("mse"), 0.25, 1e-12);
}

TEST(TaskFlipFlop, BadParametersAreRejected) {
  for (const char* value : {"0", "1.5", "-0.1", "nan", "x"}) {
    const std::string message = make_task_error("flipflop-v0", {{"pulse_probability", value}});
    EXPECT_NE(message.find("'pulse_probability'"), std::string::npos) << message;
    EXPECT_NE(message.find("in (0, 1]"), std::string::npos) << message;
  }
  EXPECT_NE(make_task_error("flipflop-v0", {{"T", "0"}}).find("'T'"), std::string::npos);
}

}  // namespace
}  // namespace tca
