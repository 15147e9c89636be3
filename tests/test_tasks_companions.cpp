// Tests of the companion tasks flipflop-v0, mimic-v0 and evidence_accumulation-v0: the
// structure of their sequences against an independent reading of their specification, the
// statistics of their random draws, their metrics and baselines, and parameter errors.
// (Shapes, determinism and batch-size independence of every task are in test_tasks.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/rate_rnn.h"
#include "tasks/mimic.h"
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

// ---- mimic ----------------------------------------------------------------------------------

// Runs the teacher through models/rate_rnn.h (CPU, double) on a batch's inputs and returns its
// outputs [T, B, o].
std::vector<double> rate_rnn_outputs(const MimicTeacher& teacher, const Batch& batch) {
  const RateRnnConfig& c = teacher.config;
  RateRnn rnn(c, DType::f64, Device::cpu);
  const RateRnnParams params{
      Tensor::from_host(teacher.W, {c.n, c.k()}, DType::f64, Device::cpu),
      Tensor::from_host(teacher.W_outb, {c.o, c.n + 1}, DType::f64, Device::cpu)};
  const DeviceBatch device_batch = to_device(batch, DType::f64, Device::cpu);
  rnn.begin(batch.B);
  std::vector<double> outputs;
  for (int t = 0; t < batch.T; ++t) {
    rnn.step(params, device_batch, t);
    const std::vector<double> y = rnn.state().y.to_host();
    outputs.insert(outputs.end(), y.begin(), y.end());
  }
  return outputs;
}

TEST(TaskMimic, TargetsAreTheTeacherRateRnnOnTheSameInputs) {
  const std::vector<std::map<std::string, std::string>> configs{
      {},
      {{"inputs", "3"}, {"outputs", "2"}, {"teacher_hidden", "5"}, {"teacher_alpha", "0.3"},
       {"teacher_gain", "1.5"}, {"input_probability", "0.2"}, {"T", "60"}}};
  for (const auto& params : configs) {
    const auto task = make_task("mimic-v0", params);
    const MimicTeacher teacher = mimic_teacher(params);
    ASSERT_EQ(teacher.config.m, task->input_size());
    ASSERT_EQ(teacher.config.o, task->output_size());
    ASSERT_EQ(teacher.W.size(), static_cast<size_t>(teacher.config.n) * teacher.config.k());
    const Batch batch = task->sample(6, 21);
    const std::vector<double> reference = rate_rnn_outputs(teacher, batch);
    ASSERT_EQ(reference.size(), batch.targets.size());
    double max_error = 0.0, max_target = 0.0;
    for (size_t i = 0; i < reference.size(); ++i) {
      max_error = std::max(max_error, std::abs(reference[i] - batch.targets[i]));
      max_target = std::max(max_target, std::abs(batch.targets[i]));
    }
    EXPECT_LT(max_error, 1e-12);
    EXPECT_GT(max_target, 0.1) << "the teacher's outputs are not trivially small";
    for (double v : batch.loss_mask) ASSERT_EQ(v, 1.0);
  }
}

TEST(TaskMimic, InputsAreBernoulliAndTheTeacherIsDrawnAsDocumented) {
  const Batch batch = make_task("mimic-v0", {{"input_probability", "0.3"}})->sample(16, 2);
  double ones = 0.0;
  for (double x : batch.inputs) {
    ASSERT_TRUE(x == 0.0 || x == 1.0);
    ones += x;
  }
  EXPECT_NEAR(ones / batch.inputs.size(), 0.3, 0.0105);  // 5 sd of 51200 draws

  // Sample variances of the weight blocks: W_rec gain^2 / n, W_in 1 / m, W_out 1 / n.
  const MimicTeacher teacher = mimic_teacher(
      {{"teacher_hidden", "128"}, {"inputs", "64"}, {"outputs", "64"}, {"teacher_gain", "1.5"},
       {"teacher_bias", "0"}});
  const int n = 128, m = 64, o = 64, k = n + m + 1;
  double rec = 0.0, in = 0.0, out = 0.0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) rec += teacher.W[i * k + j] * teacher.W[i * k + j];
    for (int j = 0; j < m; ++j) in += teacher.W[i * k + n + j] * teacher.W[i * k + n + j];
    EXPECT_EQ(teacher.W[i * k + n + m], 0.0);
  }
  for (int i = 0; i < o; ++i) {
    for (int j = 0; j < n; ++j) out += teacher.W_outb[i * (n + 1) + j] * teacher.W_outb[i * (n + 1) + j];
    EXPECT_EQ(teacher.W_outb[i * (n + 1) + n], 0.0);
  }
  EXPECT_NEAR(rec / (n * n) / (1.5 * 1.5 / n), 1.0, 0.06);  // relative sd 1.1%
  EXPECT_NEAR(in / (n * m) / (1.0 / m), 1.0, 0.08);         // relative sd 1.6%
  EXPECT_NEAR(out / (o * n) / (1.0 / n), 1.0, 0.08);
  const MimicTeacher biased = mimic_teacher({{"teacher_bias", "0.1"}});
  double bias_square = 0.0;
  for (int i = 0; i < 32; ++i) bias_square += biased.W[i * 65 + 64] * biased.W[i * 65 + 64];
  EXPECT_NEAR(std::sqrt(bias_square / 32), 0.1, 0.05);
}

TEST(TaskMimic, TeacherSeedChangesTheTeacherOnlyAndDiffersFromTheStudentInit) {
  const Batch first = make_task("mimic-v0")->sample(4, 9);
  const Batch other_teacher = make_task("mimic-v0", {{"teacher_seed", "2"}})->sample(4, 9);
  EXPECT_EQ(first.inputs, other_teacher.inputs);
  EXPECT_NE(first.targets, other_teacher.targets);
  // A student of the same size initialised with --seed equal to teacher_seed does not start
  // at the teacher: the teacher comes from another Philox stream.
  const MimicTeacher teacher = mimic_teacher();
  const RateRnnParams student = init_params(teacher.config, 1, DType::f64, Device::cpu, {1.0, 0.1});
  const std::vector<double> student_W = student.W.to_host();
  ASSERT_EQ(student_W.size(), teacher.W.size());
  int equal = 0;
  for (size_t i = 0; i < student_W.size(); ++i) equal += student_W[i] == teacher.W[i];
  EXPECT_EQ(equal, 0);
  // With no input the teacher is driven by its biases only: every sequence has the same targets.
  const Batch silent = make_task("mimic-v0", {{"input_probability", "0"}})->sample(3, 1);
  for (int t = 0; t < silent.T; ++t) {
    for (int j = 0; j < silent.o; ++j) ASSERT_EQ(silent.target(t, 0, j), silent.target(t, 2, j));
  }
}

TEST(TaskMimic, MseAndThePredictTheMeanBaseline) {
  const auto task = make_task("mimic-v0");
  const Batch batch = task->sample(8, 5);
  const auto perfect = task->metrics(batch, batch.targets);
  EXPECT_EQ(perfect.at("mse"), 0.0);
  // The baseline is the per-channel variance of the targets; predicting mean + s costs s^2 more.
  const int o = batch.o;
  const size_t steps = static_cast<size_t>(batch.T) * batch.B;
  std::vector<double> mean(o, 0.0);
  for (size_t s = 0; s < steps; ++s) {
    for (int j = 0; j < o; ++j) mean[j] += batch.targets[s * o + j] / steps;
  }
  double variance = 0.0;
  std::vector<double> shifted_mean(batch.targets.size());
  for (size_t s = 0; s < steps; ++s) {
    for (int j = 0; j < o; ++j) {
      const double d = batch.targets[s * o + j] - mean[j];
      variance += d * d / (steps * o);
      shifted_mean[s * o + j] = mean[j] + 0.3;
    }
  }
  EXPECT_GT(variance, 1e-3);
  EXPECT_NEAR(perfect.at("baseline_mean"), variance, 1e-12);
  EXPECT_NEAR(task->metrics(batch, shifted_mean).at("mse"), variance + 0.09, 1e-12);
}

TEST(TaskMimic, BadParametersAreRejected) {
  for (const auto& [name, value] : std::map<std::string, std::string>{{"teacher_alpha", "0"},
                                                                       {"teacher_gain", "-1"},
                                                                       {"teacher_bias", "inf"},
                                                                       {"teacher_seed", "-1"},
                                                                       {"teacher_hidden", "2000"},
                                                                       {"inputs", "0"},
                                                                       {"outputs", "1.5"},
                                                                       {"input_probability", "1.1"},
                                                                       {"T", "0"}}) {
    const std::string message = make_task_error("mimic-v0", {{name, value}});
    EXPECT_NE(message.find("'" + name + "'"), std::string::npos) << message;
  }
  EXPECT_THROW(mimic_teacher({{"teacher_alpha", "1.5"}}), std::invalid_argument);
}

}  // namespace
}  // namespace tca
