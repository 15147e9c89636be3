// Tests of the companion tasks flipflop-v0, mimic-v0, evidence_accumulation-v0,
// pattern_generation-v0 and reach-v0: the
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
       {"teacher_gain", "1.5"}, {"input_probability", "0.2"}, {"T", "60"}},
      {{"inputs", "3"}, {"outputs", "2"}, {"teacher_hidden", "5"}, {"hold", "4"}, {"T", "30"}},
      {{"teacher_init", "orthogonal"}}};
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

TEST(TaskMimic, AnOrthogonalTeacherHasOrthogonalRecurrentWeightsAndTheSameOtherWeights) {
  const MimicTeacher gaussian = mimic_teacher({{"teacher_gain", "1.5"}});
  const MimicTeacher orthogonal = mimic_teacher({{"teacher_gain", "1.5"}, {"teacher_init", "orthogonal"}});
  const int n = gaussian.config.n, k = gaussian.config.k();
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {  // W_rec^T W_rec = gain^2 I
      double dot = 0.0;
      for (int r = 0; r < n; ++r) dot += orthogonal.W[r * k + i] * orthogonal.W[r * k + j];
      EXPECT_NEAR(dot, i == j ? 2.25 : 0.0, 1e-12) << i << ", " << j;
    }
  for (int i = 0; i < n; ++i)
    for (int j = n; j < k; ++j) EXPECT_EQ(orthogonal.W[i * k + j], gaussian.W[i * k + j]);  // W_in, b
  EXPECT_EQ(orthogonal.W_outb, gaussian.W_outb);
  EXPECT_NE(orthogonal.W, gaussian.W);
}

TEST(TaskMimic, HeldInputsChangeOnlyEveryHoldSteps) {
  const Batch plain = make_task("mimic-v0", {{"inputs", "8"}})->sample(3, 9);
  const Batch held = make_task("mimic-v0", {{"inputs", "8"}, {"hold", "3"}})->sample(3, 9);
  for (int b = 0; b < held.B; ++b)
    for (int t = 0; t < held.T; ++t)
      for (int j = 0; j < held.m; ++j) {
        EXPECT_EQ(held.input(t, b, j), held.input(t - t % 3, b, j)) << t;
        // The held values are the plain task's draws, one coarse step after another.
        if (t % 3 == 0) EXPECT_EQ(held.input(t, b, j), plain.input(t / 3, b, j)) << t;
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

// ---- evidence accumulation ----------------------------------------------------------------

const std::string kEvidence = "evidence_accumulation-v0";

size_t at(const Batch& batch, int t, int b) { return static_cast<size_t>(t) * batch.B + b; }

double binomial_pmf(int n, int k, double p) {
  double choose = 1.0;
  for (int i = 1; i <= k; ++i) choose = choose * (n - k + i) / i;
  return choose * std::pow(p, k) * std::pow(1.0 - p, n - k);
}

TEST(TaskEvidenceAccumulation, DefaultsFollowBellec2020) {
  const auto task = make_task(kEvidence);
  EXPECT_EQ(task->steps(), 2250);  // 7 * 150 + 1050 + 150: Bellec et al.'s seq_len
  EXPECT_EQ(task->input_size(), 40);
  EXPECT_EQ(task->output_size(), 2);
  EXPECT_EQ(task->loss(), LossKind::cross_entropy);
  EXPECT_EQ(make_task(kEvidence, {{"cues", "3"}, {"cue_spacing", "120"}, {"delay", "10"},
                                  {"recall_steps", "20"}, {"group_size", "3"}})
                ->steps(),
            3 * 120 + 10 + 20);
  EXPECT_EQ(make_task(kEvidence, {{"group_size", "3"}})->input_size(), 12);
}

TEST(TaskEvidenceAccumulation, CuesRecallAndLabelsFollowTheTrialLayout) {
  const int cues = 5, cue_steps = 4, spacing = 7, delay = 6, recall = 3, group = 2;
  const auto task = make_task(kEvidence, {{"cues", "5"}, {"cue_steps", "4"}, {"cue_spacing", "7"},
                                          {"delay", "6"}, {"recall_steps", "3"}, {"group_size", "2"},
                                          {"cue_rate", "1000"}, {"background_rate", "0"}});
  ASSERT_EQ(task->steps(), cues * spacing + delay + recall);
  const Batch batch = task->sample(64, 31);
  int right_labels = 0;
  for (int b = 0; b < batch.B; ++b) {
    int right_cues = 0;
    for (int t = 0; t < batch.T; ++t) {
      const int cue = t / spacing;
      const bool cue_on = cue < cues && t % spacing >= spacing - cue_steps;
      const bool recall_on = t >= batch.T - recall;
      // Every neuron of a group does the same thing at p = 1 and p = 0.
      double group_value[4];
      for (int g = 0; g < 4; ++g) {
        group_value[g] = batch.input(t, b, g * group);
        for (int i = 0; i < group; ++i) ASSERT_EQ(batch.input(t, b, g * group + i), group_value[g]);
      }
      EXPECT_EQ(group_value[0] + group_value[1], cue_on ? 1.0 : 0.0) << "t=" << t;
      EXPECT_EQ(group_value[2], recall_on ? 1.0 : 0.0) << "t=" << t;
      EXPECT_EQ(group_value[3], 0.0);
      if (cue_on && t % spacing == spacing - cue_steps) right_cues += group_value[1] == 1.0;
      if (cue_on && t % spacing > spacing - cue_steps) {  // one side for the whole cue
        EXPECT_EQ(batch.input(t, b, group), batch.input(t - 1, b, group)) << "t=" << t;
      }
    }
    const int label = 2 * right_cues > cues ? 1 : 0;
    right_labels += label;
    for (int t = 0; t < batch.T; ++t) {
      const bool scored = t >= batch.T - recall;
      ASSERT_EQ(batch.mask(t, b), scored ? 1.0 : 0.0) << "t=" << t;
      ASSERT_EQ(batch.target(t, b, label), scored ? 1.0 : 0.0) << "t=" << t;
      ASSERT_EQ(batch.target(t, b, 1 - label), 0.0) << "t=" << t;
    }
  }
  EXPECT_GT(right_labels, 16);
  EXPECT_LT(right_labels, 48);
}

TEST(TaskEvidenceAccumulation, CueCountsFollowTheDominantSideMixture) {
  // One step per cue, one neuron per group, p = 1: the inputs spell out the cue sides.
  const int cues = 7, B = 4000;
  auto right_cue_histogram = [&](const char* cue_probability) {
    const auto task = make_task(kEvidence, {{"cue_steps", "1"}, {"cue_spacing", "1"}, {"delay", "0"},
                                            {"recall_steps", "1"}, {"group_size", "1"},
                                            {"cue_rate", "1000"}, {"background_rate", "0"},
                                            {"cue_probability", cue_probability}});
    const Batch batch = task->sample(B, 5);
    std::vector<int> histogram(cues + 1, 0);
    int right_labels = 0;
    for (int b = 0; b < B; ++b) {
      int right = 0;
      for (int t = 0; t < cues; ++t) {
        EXPECT_EQ(batch.input(t, b, 0) + batch.input(t, b, 1), 1.0);
        right += batch.input(t, b, 1) == 1.0;
      }
      ++histogram[right];
      right_labels += batch.target(cues, b, 1) == 1.0;
      EXPECT_EQ(batch.target(cues, b, 1), 2 * right > cues ? 1.0 : 0.0);
    }
    EXPECT_NEAR(static_cast<double>(right_labels) / B, 0.5, 0.035) << "labels balanced";
    return histogram;
  };
  // P(k right cues) = 1/2 Binomial(k; 7, 0.7) + 1/2 Binomial(k; 7, 0.3): a dominant side drawn
  // uniformly, each cue on it with probability 0.7. Pearson's chi^2 with 7 degrees of freedom
  // stays below 24.3 with probability 0.999.
  const std::vector<int> histogram = right_cue_histogram("0.7");
  double chi2 = 0.0;
  for (int k = 0; k <= cues; ++k) {
    const double expected = B * 0.5 * (binomial_pmf(cues, k, 0.7) + binomial_pmf(cues, k, 0.3));
    chi2 += (histogram[k] - expected) * (histogram[k] - expected) / expected;
  }
  EXPECT_LT(chi2, 24.3);
  // At probability 1 every cue of a trial is on the same side.
  const std::vector<int> all_one_side = right_cue_histogram("1");
  EXPECT_EQ(all_one_side[0] + all_one_side[cues], B);
}

TEST(TaskEvidenceAccumulation, SpikeRatesMatchTheDocumentedRatesAndKeepTheCueSides) {
  const int B = 16, group = 10;
  const Batch layout = make_task(kEvidence, {{"cue_rate", "1000"}, {"background_rate", "0"}})->sample(B, 77);
  const Batch spikes = make_task(kEvidence)->sample(B, 77);
  const Batch busier = make_task(kEvidence, {{"background_rate", "20"}})->sample(B, 77);
  double cue_spikes = 0, cue_slots = 0, recall_spikes = 0, recall_slots = 0, background_spikes = 0;
  for (int t = 0; t < spikes.T; ++t) {
    for (int b = 0; b < B; ++b) {
      for (int i = 0; i < 4 * group; ++i) {
        const double x = spikes.input(t, b, i);
        ASSERT_TRUE(x == 0.0 || x == 1.0);
        // The same uniforms decide every spike: a higher rate only adds spikes, and the cue
        // sides do not depend on the rates.
        ASSERT_LE(x, i < 3 * group ? layout.input(t, b, i) : busier.input(t, b, i));
        if (i >= 3 * group) {
          background_spikes += x;
        } else if (layout.input(t, b, i) == 1.0) {
          (i < 2 * group ? cue_spikes : recall_spikes) += x;
          (i < 2 * group ? cue_slots : recall_slots) += 1;
        }
      }
    }
  }
  EXPECT_EQ(spikes.targets, layout.targets);
  EXPECT_EQ(cue_slots, B * 7 * 100 * group);
  EXPECT_EQ(recall_slots, B * 150 * group);
  // 40 Hz and 10 Hz at dt = 1 ms; tolerances are 5 standard deviations of the estimates.
  EXPECT_NEAR(cue_spikes / cue_slots, 0.04, 3e-3);
  EXPECT_NEAR(recall_spikes / recall_slots, 0.04, 6.5e-3);
  EXPECT_NEAR(background_spikes / (B * spikes.T * group), 0.01, 8.5e-4);
}

TEST(TaskEvidenceAccumulation, AccuracySumsTheLogitsOverTheRecallWindow) {
  const auto task = make_task(kEvidence, {{"delay", "100"}});
  const Batch batch = task->sample(8, 4);
  const int recall_onset = batch.T - 150;
  // A strong right answer on the first recall step, a weak wrong one on the other 149: the
  // sum (and the mean, as in Bellec et al.) is right, the last step alone is wrong.
  std::vector<double> logits(batch.targets.size(), 0.0);
  for (int b = 0; b < batch.B; ++b) {
    const int label = batch.target(batch.T - 1, b, 1) == 1.0 ? 1 : 0;
    for (int t = recall_onset; t < batch.T; ++t) {
      logits[at(batch, t, b) * 2 + label] = t == recall_onset ? 10.0 : -0.05;
    }
  }
  const auto metrics = task->metrics(batch, logits);
  EXPECT_EQ(metrics.at("accuracy"), 1.0);
  EXPECT_EQ(metrics.at("chance"), 0.5);
  for (double& v : logits) v = -v;
  EXPECT_EQ(task->metrics(batch, logits).at("accuracy"), 0.0);
  const auto uniform = task->metrics(batch, std::vector<double>(logits.size(), 0.0));
  EXPECT_NEAR(uniform.at("ce"), std::log(2.0), 1e-12);
}

TEST(TaskEvidenceAccumulation, BadParametersAreRejected) {
  EXPECT_NE(make_task_error(kEvidence, {{"cues", "6"}}).find("odd"), std::string::npos);
  EXPECT_NE(make_task_error(kEvidence, {{"cue_spacing", "99"}}).find("cue_steps"), std::string::npos);
  EXPECT_NE(make_task_error(kEvidence, {{"delay", "99000"}}).find("T ="), std::string::npos);
  for (const auto& [name, value] : std::map<std::string, std::string>{{"cues", "0"},
                                                                       {"cue_steps", "1.5"},
                                                                       {"delay", "-1"},
                                                                       {"recall_steps", "0"},
                                                                       {"cue_rate", "1001"},
                                                                       {"background_rate", "-1"},
                                                                       {"cue_probability", "0.4"},
                                                                       {"group_size", "0"}}) {
    const std::string message = make_task_error(kEvidence, {{name, value}});
    EXPECT_NE(message.find("'" + name + "'"), std::string::npos) << message;
  }
}

// ---- pattern_generation-v0 -------------------------------------------------------------------

// Solves the normal equations of a least-squares fit (Gaussian elimination with pivoting).
std::vector<double> least_squares(const std::vector<std::vector<double>>& basis, const std::vector<double>& y) {
  const size_t k = basis.size();
  std::vector<std::vector<double>> a(k, std::vector<double>(k + 1, 0.0));
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k; ++j)
      for (size_t s = 0; s < y.size(); ++s) a[i][j] += basis[i][s] * basis[j][s];
    for (size_t s = 0; s < y.size(); ++s) a[i][k] += basis[i][s] * y[s];
  }
  for (size_t c = 0; c < k; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < k; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    for (size_t r = 0; r < k; ++r) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (size_t j = c; j <= k; ++j) a[r][j] -= f * a[c][j];
    }
  }
  std::vector<double> x(k);
  for (size_t i = 0; i < k; ++i) x[i] = a[i][k] / a[i][i];
  return x;
}

TEST(TaskPatternGeneration, TheTargetIsAFixedSumOfFourSinesInMinusOneToOne) {
  const auto task = make_task("pattern_generation-v0", {{"outputs", "2"}});
  const Batch batch = task->sample(1, 1);
  const int T = batch.T, o = batch.o;
  const double cycles[] = {1, 2, 3, 5};  // T = 1000 and periods 1000, 500, 333, 200
  for (int k = 0; k < o; ++k) {
    std::vector<double> y(T);
    for (int s = 0; s < T; ++s) y[s] = batch.target(s, 0, k);
    EXPECT_EQ(y[0], 0.0);
    double largest = 0;
    for (double v : y) largest = std::max(largest, std::abs(v));
    EXPECT_NEAR(largest, 1.0, 1e-15);
    // An independent fit by a constant and sin, cos of the four frequencies reconstructs it,
    // with amplitudes (times the normalisation) in [0.5, 2].
    std::vector<std::vector<double>> basis(1, std::vector<double>(T, 1.0));
    for (double c : cycles)
      for (int phase = 0; phase < 2; ++phase) {
        std::vector<double> f(T);
        for (int s = 0; s < T; ++s) {
          const double angle = 2 * 3.14159265358979323846 * c * s / (T - 1);
          f[s] = phase ? std::cos(angle) : std::sin(angle);
        }
        basis.push_back(f);
      }
    const std::vector<double> coef = least_squares(basis, y);
    double residual = 0;
    for (int s = 0; s < T; ++s) {
      double fit = 0;
      for (size_t i = 0; i < basis.size(); ++i) fit += coef[i] * basis[i][s];
      residual = std::max(residual, std::abs(fit - y[s]));
    }
    EXPECT_LT(residual, 1e-9) << "channel " << k;
    std::vector<double> amplitudes;
    for (int j = 0; j < 4; ++j) amplitudes.push_back(std::hypot(coef[1 + 2 * j], coef[2 + 2 * j]));
    // The normalisation divided every amplitude by the same factor: their ratios lie within 4.
    const double lo = *std::min_element(amplitudes.begin(), amplitudes.end());
    const double hi = *std::max_element(amplitudes.begin(), amplitudes.end());
    EXPECT_LE(hi / lo, 4.0 + 1e-9) << "channel " << k;
  }
  EXPECT_NE(batch.target(100, 0, 0), batch.target(100, 0, 1));  // each channel its own draws
}

TEST(TaskPatternGeneration, InputsAreFrozenPoissonSpikesAndEverySequenceIsTheSame) {
  const auto task = make_task("pattern_generation-v0");
  const Batch a = task->sample(3, 1), b = task->sample(2, 99);
  double spikes = 0;
  for (int t = 0; t < a.T; ++t)
    for (int i = 0; i < a.m; ++i) {
      const double x = a.input(t, 0, i);
      ASSERT_TRUE(x == 0.0 || x == 1.0);
      spikes += x;
      EXPECT_EQ(a.input(t, 2, i), x);
      EXPECT_EQ(b.input(t, 1, i), x);  // another seed and batch size: the same frozen input
    }
  const double cells = static_cast<double>(a.T) * a.m, p = 50.0 / 1000.0;
  EXPECT_NEAR(spikes / cells, p, 4 * std::sqrt(p * (1 - p) / cells));  // 50 Hz at dt = 1 ms
  for (int t = 0; t < a.T; ++t) EXPECT_EQ(b.target(t, 1, 0), a.target(t, 0, 0));
  const auto other = make_task("pattern_generation-v0", {{"pattern_seed", "2"}});
  EXPECT_NE(other->sample(1, 1).targets, task->sample(1, 1).targets);
}

TEST(TaskPatternGeneration, MetricsAndBaselines) {
  const auto task = make_task("pattern_generation-v0", {{"T", "200"}});
  const Batch batch = task->sample(2, 1);
  const std::vector<double> perfect = batch.targets, zero(batch.targets.size(), 0.0);
  double mean = 0;
  for (double v : batch.targets) mean += v / batch.targets.size();
  const std::vector<double> average(batch.targets.size(), mean);
  EXPECT_EQ(task->metrics(batch, perfect).at("mse"), 0.0);
  EXPECT_EQ(task->metrics(batch, perfect).at("nmse"), 0.0);
  const auto at_zero = task->metrics(batch, zero);
  EXPECT_NEAR(at_zero.at("mse"), at_zero.at("baseline_zero"), 1e-15);
  EXPECT_NEAR(task->metrics(batch, average).at("nmse"), 1.0, 1e-12);
  EXPECT_NE(make_task_error("pattern_generation-v0", {{"min_amplitude", "3"}}).find("max_amplitude"), std::string::npos);
}

// ---- reach-v0 --------------------------------------------------------------------------------

// The trial structure read back from a sequence: the go cue is where the hold cue drops, the
// cue onset where the target cue appears, the direction from the cue's value.
struct ReachTrial {
  int cue = -1, go = -1;
  double cos = 0, sin = 0;
};

ReachTrial read_trial(const Batch& batch, int b) {
  ReachTrial r;
  for (int t = 0; t < batch.T; ++t) {
    if (r.cue < 0 && (batch.input(t, b, 1) != 0.0 || batch.input(t, b, 2) != 0.0)) {
      r.cue = t;
      r.cos = batch.input(t, b, 1);
      r.sin = batch.input(t, b, 2);
    }
    if (r.go < 0 && batch.input(t, b, 0) == 0.0) r.go = t;
  }
  return r;
}

TEST(TaskReach, CueHoldDelayGoAndAMinimumJerkReach) {
  const auto task = make_task("reach-v0");
  EXPECT_EQ(task->input_size(), 3);
  EXPECT_EQ(task->output_size(), 2);
  const Batch batch = task->sample(400, 3);
  std::vector<int> per_target(8, 0);
  int shortest = 1 << 30, longest = 0, latest_cue = 0;
  for (int b = 0; b < batch.B; ++b) {
    const ReachTrial r = read_trial(batch, b);
    ASSERT_GE(r.cue, 0);
    ASSERT_GT(r.go, r.cue);
    const double angle = std::atan2(r.sin, r.cos);
    const double k = angle / (2 * 3.14159265358979323846 / 8);
    const int target = static_cast<int>(std::lround(k + 8)) % 8;
    EXPECT_NEAR(k, std::round(k), 1e-12) << "the direction is one of 8";
    EXPECT_NEAR(std::hypot(r.cos, r.sin), 1.0, 1e-12);
    ++per_target[target];
    shortest = std::min(shortest, r.go - r.cue);
    longest = std::max(longest, r.go - r.cue);
    latest_cue = std::max(latest_cue, r.cue);
    for (int t = 0; t < batch.T; ++t) {
      EXPECT_EQ(batch.input(t, b, 0), t < r.go ? 1.0 : 0.0);
      const bool cued = t >= r.cue && t < r.go;
      EXPECT_EQ(batch.input(t, b, 1), cued ? r.cos : 0.0);
      EXPECT_EQ(batch.mask(t, b), 1.0);
      // The hand: at the centre until go, then along 10u^3 - 15u^4 + 6u^5 over 50 steps.
      const double u = std::min(1.0, std::max(0.0, (t - r.go) / 50.0));
      const double s = t < r.go ? 0.0 : u * u * u * (10 - 15 * u + 6 * u * u);
      EXPECT_NEAR(batch.target(t, b, 0), s * r.cos, 1e-15);
      EXPECT_NEAR(batch.target(t, b, 1), s * r.sin, 1e-15);
    }
    EXPECT_NEAR(batch.target(batch.T - 1, b, 0), r.cos, 1e-15);  // every reach ends at its target
  }
  for (int count : per_target) EXPECT_GT(count, 25);  // 50 expected of each
  EXPECT_EQ(shortest, 20);
  EXPECT_EQ(longest, 149);
  EXPECT_EQ(latest_cue, 49);
}

TEST(TaskReach, MetricsAndErrors) {
  const auto task = make_task("reach-v0", {{"T", "100"}, {"max_precue", "10"}, {"max_delay", "40"}, {"movement", "20"}});
  const Batch batch = task->sample(4, 1);
  const std::vector<double> zero(batch.targets.size(), 0.0);
  const auto perfect = task->metrics(batch, batch.targets);
  EXPECT_EQ(perfect.at("mse"), 0.0);
  EXPECT_EQ(perfect.at("endpoint_error"), 0.0);
  EXPECT_EQ(perfect.at("accuracy"), 1.0);
  EXPECT_EQ(perfect.at("early_movement"), 0.0);
  const auto still = task->metrics(batch, zero);
  EXPECT_NEAR(still.at("mse"), still.at("baseline_zero"), 1e-15);
  EXPECT_NEAR(still.at("endpoint_error"), 1.0, 1e-12);  // the targets lie on the unit circle
  EXPECT_EQ(still.at("accuracy"), 0.0);
  // Moving 0.3 away from the centre before the go cue and stopping 0.2 short of the target.
  std::vector<double> out = batch.targets;
  for (int b = 0; b < batch.B; ++b) {
    const ReachTrial r = read_trial(batch, b);
    for (int t = 0; t < r.go; ++t) out[(static_cast<size_t>(t) * batch.B + b) * 2] = 0.3;
    const size_t last = (static_cast<size_t>(batch.T - 1) * batch.B + b) * 2;
    out[last] = 0.8 * r.cos;
    out[last + 1] = 0.8 * r.sin;
  }
  const auto off = task->metrics(batch, out);
  EXPECT_NEAR(off.at("early_movement"), 0.3, 1e-12);
  EXPECT_NEAR(off.at("endpoint_error"), 0.2, 1e-12);
  EXPECT_EQ(off.at("accuracy"), 1.0);  // within the tolerance 0.25
  EXPECT_EQ(make_task("reach-v0", {{"tolerance", "0.1"}})->metrics(batch, out).at("accuracy"), 0.0);
  EXPECT_NE(make_task_error("reach-v0", {{"min_delay", "50"}, {"max_delay", "40"}}).find("max_delay"), std::string::npos);
  EXPECT_NE(make_task_error("reach-v0", {{"T", "200"}}).find("at most T"), std::string::npos);
}

}  // namespace
}  // namespace tca
