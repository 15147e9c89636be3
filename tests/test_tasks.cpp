// Tests of the task generators (tasks/): shapes, determinism, batch-size independence, the
// structure of each task's sequences, its metrics and baselines, and parameter errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/seeds.h"
#include "tasks/task.h"

namespace tca {
namespace {

size_t at(const Batch& batch, int t, int b) { return static_cast<size_t>(t) * batch.B + b; }

// The std::invalid_argument message of make_task(id, params); fails the test if none.
std::string make_task_error(const std::string& id,
                            const std::map<std::string, std::string>& params = {}) {
  try {
    make_task(id, params);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "make_task(" << id << ") did not throw";
  return "";
}

// Logits that put `margin` on each target's arg-max class (on masked steps only).
std::vector<double> target_logits(const Batch& batch, double margin) {
  std::vector<double> logits(batch.targets.size(), 0.0);
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b) {
      const size_t base = at(batch, t, b) * batch.o;
      int best = 0;
      for (int j = 1; j < batch.o; ++j) {
        if (batch.targets[base + j] > batch.targets[base + best]) best = j;
      }
      logits[base + best] = margin;
    }
  }
  return logits;
}

TEST(TaskRegistry, ListsEveryTaskWithDocumentedParameters) {
  std::set<std::string> ids;
  for (const TaskInfo& info : task_registry()) {
    ids.insert(info.id);
    EXPECT_FALSE(info.summary.empty()) << info.id;
    const auto task = make_task(info.id);
    EXPECT_EQ(task->id(), info.id);
    const auto config = task->config();
    for (const TaskParam& param : info.params) {
      EXPECT_FALSE(param.help.empty()) << info.id << " " << param.name;
      ASSERT_EQ(config.count(param.name), 1u) << info.id << " " << param.name;
    }
    ASSERT_EQ(config.count("T"), 1u) << info.id;
    EXPECT_EQ(config.at("T"), std::to_string(task->steps())) << info.id;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"dnms-v0", "dnms-v1", "path_integration-v0", "copy-v0", "add-v0",
                                        "flipflop-v0", "mimic-v0", "evidence_accumulation-v0", "pattern_generation-v0", "reach-v0"}));
}

TEST(TaskRegistry, ConfigReportsOverridesAndDerivedLength) {
  const auto task = make_task("dnms-v0", {{"D", "7"}, {"input_noise", "0.10"}});
  const auto config = task->config();
  EXPECT_EQ(config.at("D"), "7");
  EXPECT_EQ(config.at("S"), "3");
  EXPECT_EQ(config.at("input_noise"), "0.1");
  EXPECT_EQ(config.at("T"), "23");  // 2 * 3 + 2 * 7 + 3
  EXPECT_EQ(make_task("copy-v0", {{"delay", "50"}})->config().at("T"), "70");
  EXPECT_EQ(make_task("path_integration-v0")->config().at("arena_size"), "2.2");
}

TEST(TaskBatch, ShapesAndSizesOfEveryRegisteredTask) {
  for (const TaskInfo& info : task_registry()) {
    const auto task = make_task(info.id);
    const int B = 5;
    const Batch batch = task->sample(B, 1);
    const size_t steps = static_cast<size_t>(task->steps()) * B;
    EXPECT_EQ(batch.T, task->steps()) << info.id;
    EXPECT_EQ(batch.B, B) << info.id;
    EXPECT_EQ(batch.m, task->input_size()) << info.id;
    EXPECT_EQ(batch.o, task->output_size()) << info.id;
    EXPECT_EQ(batch.loss, task->loss()) << info.id;
    ASSERT_EQ(batch.inputs.size(), steps * batch.m) << info.id;
    ASSERT_EQ(batch.targets.size(), steps * batch.o) << info.id;
    ASSERT_EQ(batch.loss_mask.size(), steps) << info.id;
    ASSERT_EQ(batch.trial_start.size(), steps) << info.id;
    double mask_sum = 0.0;
    for (int t = 0; t < batch.T; ++t) {
      for (int b = 0; b < B; ++b) {
        EXPECT_EQ(batch.trial_start[at(batch, t, b)], t == 0 ? 1 : 0) << info.id;
        mask_sum += batch.mask(t, b);
        if (batch.loss == LossKind::cross_entropy && batch.mask(t, b) > 0.0) {
          double total = 0.0;
          for (int j = 0; j < batch.o; ++j) total += batch.target(t, b, j);
          EXPECT_NEAR(total, 1.0, 1e-12) << info.id << " targets are a distribution";
        }
      }
    }
    EXPECT_GT(mask_sum, 0.0) << info.id;
    for (double v : batch.inputs) ASSERT_TRUE(std::isfinite(v)) << info.id;
    for (double v : batch.targets) ASSERT_TRUE(std::isfinite(v)) << info.id;

    const auto metrics = task->metrics(batch, std::vector<double>(steps * batch.o, 0.0));
    EXPECT_FALSE(metrics.empty()) << info.id;
    for (const auto& [name, value] : metrics) EXPECT_TRUE(std::isfinite(value)) << info.id << name;
    EXPECT_THROW(task->metrics(batch, std::vector<double>(steps * batch.o + 1, 0.0)),
                 std::invalid_argument)
        << info.id;
    EXPECT_THROW(task->sample(0, 1), std::invalid_argument) << info.id;
  }
}

// Each task with its stochastic knobs on, so that every random draw is covered.
std::vector<std::unique_ptr<Task>> tasks_with_all_randomness() {
  std::vector<std::unique_ptr<Task>> tasks;
  tasks.push_back(make_task("dnms-v0", {{"input_noise", "0.1"}, {"variable_delay", "4"}}));
  tasks.push_back(make_task("path_integration-v0", {{"velocity_noise", "0.05"}}));
  tasks.push_back(make_task("copy-v0"));
  tasks.push_back(make_task("add-v0"));
  tasks.push_back(make_task("flipflop-v0"));
  tasks.push_back(make_task("mimic-v0"));
  tasks.push_back(make_task("evidence_accumulation-v0"));
  return tasks;
}

TEST(TaskBatch, SameSeedSameBatchDifferentSeedDifferentBatch) {
  for (const auto& task : tasks_with_all_randomness()) {
    const Batch first = task->sample(8, 42);
    const Batch again = task->sample(8, 42);
    const Batch other = task->sample(8, 43);
    EXPECT_EQ(first.inputs, again.inputs) << task->id();
    EXPECT_EQ(first.targets, again.targets) << task->id();
    EXPECT_EQ(first.loss_mask, again.loss_mask) << task->id();
    EXPECT_NE(first.inputs, other.inputs) << task->id();
  }
}

TEST(TaskBatch, SequenceDoesNotDependOnBatchSize) {
  for (const auto& task : tasks_with_all_randomness()) {
    const Batch small = task->sample(3, 7);
    const Batch large = task->sample(13, 7);
    for (int t = 0; t < small.T; ++t) {
      for (int b = 0; b < small.B; ++b) {
        for (int i = 0; i < small.m; ++i) {
          ASSERT_EQ(small.input(t, b, i), large.input(t, b, i)) << task->id();
        }
        for (int j = 0; j < small.o; ++j) {
          ASSERT_EQ(small.target(t, b, j), large.target(t, b, j)) << task->id();
        }
        ASSERT_EQ(small.mask(t, b), large.mask(t, b)) << task->id();
      }
    }
  }
}

// ---- dnms -----------------------------------------------------------------------------

// Stimulus (0 = A, 1 = B) shown at step t of sequence b, read from noise-free inputs.
int stimulus_at(const Batch& batch, int t, int b) {
  const double a = batch.input(t, b, 0), bb = batch.input(t, b, 1);
  EXPECT_EQ(a + bb, 1.0) << "one stimulus channel on at t=" << t;
  return bb > a ? 1 : 0;
}

TEST(TaskDnms, LengthFollowsTheTrialStructure) {
  EXPECT_EQ(make_task("dnms-v0")->steps(), 29);  // 2 S + 2 D + R with S=3, D=10, R=3
  EXPECT_EQ(make_task("dnms-v0", {{"variable_delay", "5"}})->steps(), 39);
  EXPECT_EQ(make_task("dnms-v0", {{"S", "1"}, {"D", "0"}, {"R", "1"}})->steps(), 3);
}

TEST(TaskDnms, TrialTypesBalancedAndLabelsMatchTheStimuli) {
  const auto task = make_task("dnms-v0");
  const int S = 3, D = 10, B = 40;
  const Batch batch = task->sample(B, 2024);
  int count[4] = {0, 0, 0, 0};
  for (int b = 0; b < B; ++b) {
    const int first = stimulus_at(batch, 0, b);
    const int second = stimulus_at(batch, S + D, b);
    for (int t = 0; t < S; ++t) EXPECT_EQ(stimulus_at(batch, t, b), first);
    for (int t = S; t < S + D; ++t) EXPECT_EQ(batch.input(t, b, 0) + batch.input(t, b, 1), 0.0);
    ++count[2 * first + second];
    const int expected_class = first != second ? 1 : 0;  // 1 = non-match, 0 = match
    for (int t = 0; t < batch.T; ++t) {
      const bool report = t >= 2 * S + 2 * D;
      EXPECT_EQ(batch.mask(t, b), report ? 1.0 : 0.0) << "t=" << t;
      if (report) {
        EXPECT_EQ(batch.target(t, b, expected_class), 1.0);
        EXPECT_EQ(batch.target(t, b, 1 - expected_class), 0.0);
      }
    }
    if (b % 4 == 3) {  // every aligned group of four holds each type once
      for (int type = 0; type < 4; ++type) EXPECT_EQ(count[type], (b + 1) / 4) << "b=" << b;
    }
  }
  for (int type = 0; type < 4; ++type) EXPECT_EQ(count[type], B / 4);
}

TEST(TaskDnms, VariableDelayPadsTheEndWithoutLoss) {
  const int S = 2, D = 3, R = 2, V = 4;
  const auto task =
      make_task("dnms-v0", {{"S", "2"}, {"D", "3"}, {"R", "2"}, {"variable_delay", "4"}});
  ASSERT_EQ(task->steps(), 2 * S + 2 * (D + V) + R);
  const Batch batch = task->sample(64, 5);
  std::set<int> lengths;
  for (int b = 0; b < batch.B; ++b) {
    // Find the second stimulus onset and the report window from the inputs and the mask.
    int second_onset = -1, report_onset = -1, report_steps = 0;
    for (int t = S; t < batch.T && second_onset < 0; ++t) {
      if (batch.input(t, b, 0) + batch.input(t, b, 1) != 0.0) second_onset = t;
    }
    for (int t = 0; t < batch.T; ++t) {
      if (batch.mask(t, b) == 0.0) continue;
      if (report_onset < 0) report_onset = t;
      ++report_steps;
    }
    ASSERT_GE(second_onset, S + D);
    ASSERT_LE(second_onset, S + D + V);
    ASSERT_GE(report_onset, second_onset + S + D);
    ASSERT_LE(report_onset, second_onset + S + D + V);
    EXPECT_EQ(report_steps, R);
    for (int t = report_onset; t < report_onset + R; ++t) EXPECT_EQ(batch.mask(t, b), 1.0);
    for (int t = report_onset; t < batch.T; ++t) {  // report and padding: zero input
      EXPECT_EQ(batch.input(t, b, 0) + batch.input(t, b, 1), 0.0);
    }
    const int first = stimulus_at(batch, 0, b), second = stimulus_at(batch, second_onset, b);
    EXPECT_EQ(batch.target(report_onset, b, first != second ? 1 : 0), 1.0);
    lengths.insert(report_onset + R);
  }
  EXPECT_GT(lengths.size(), 3u) << "the delays vary";
}

// The inputs of sequence b of a batch, as one vector (its identity for the tests below).
std::vector<double> sequence_inputs(const Batch& batch, int b) {
  std::vector<double> x;
  for (int t = 0; t < batch.T; ++t)
    for (int i = 0; i < batch.m; ++i) x.push_back(batch.input(t, b, i));
  return x;
}

// The training batches of a run (seed 1: the first 20 iterations at batch 64) and its validation
// and test batches (256 each), drawn from the seeds training uses (bench/experiments/train.cpp).
std::vector<Batch> training_validation_test(const Task& task) {
  std::vector<Batch> batches;
  for (uint64_t iteration = 0; iteration < 20; ++iteration)
    batches.push_back(task.sample(64, derived_seed(1, SeedPurpose::training, iteration)));
  batches.push_back(task.sample(256, derived_seed(1, SeedPurpose::validation, 0)));
  batches.push_back(task.sample(256, derived_seed(1, SeedPurpose::test, 0)));
  return batches;
}

TEST(TaskDnms, VersionZeroHasFourSequencesVersionOneNeverRepeatsOne) {
  // dnms-v0 (no noise, fixed delays): every batch holds the same four sequences.
  std::set<std::vector<double>> v0;
  for (const Batch& batch : training_validation_test(*make_task("dnms-v0")))
    for (int b = 0; b < batch.B; ++b) v0.insert(sequence_inputs(batch, b));
  EXPECT_EQ(v0.size(), 4u);
  // dnms-v1: no sequence repeats within or across the training, validation and test batches.
  const auto v1 = make_task("dnms-v1");
  EXPECT_EQ(v1->steps(), 39);
  EXPECT_EQ(v1->config().at("input_noise"), "0.1");
  EXPECT_EQ(v1->config().at("variable_delay"), "5");
  std::set<std::vector<double>> seen;
  size_t sequences = 0;
  std::set<int> report_onsets;
  for (const Batch& batch : training_validation_test(*v1)) {
    for (int b = 0; b < batch.B; ++b) {
      seen.insert(sequence_inputs(batch, b));
      ++sequences;
      for (int t = 0; t < batch.T; ++t)
        if (batch.mask(t, b) != 0.0) {
          report_onsets.insert(t);
          break;
        }
    }
  }
  EXPECT_EQ(seen.size(), sequences);
  EXPECT_EQ(report_onsets.size(), 11u);  // 26 + two delays of 0..5 extra steps: onsets 26..36
  // Apart from its defaults it is dnms-v0: the same parameters give the same batch.
  const std::map<std::string, std::string> same{{"input_noise", "0.1"}, {"variable_delay", "5"}};
  EXPECT_EQ(make_task("dnms-v0", same)->sample(8, 3).inputs, v1->sample(8, 3).inputs);
}

TEST(TaskDnms, AccuracyIsOneOnPerfectLogitsAndZeroOnInverted) {
  const auto task = make_task("dnms-v0");
  const Batch batch = task->sample(16, 3);
  const std::vector<double> perfect = target_logits(batch, 4.0);
  std::vector<double> inverted(perfect.size());
  for (size_t i = 0; i < perfect.size(); ++i) inverted[i] = -perfect[i];
  const auto good = task->metrics(batch, perfect);
  const auto bad = task->metrics(batch, inverted);
  EXPECT_EQ(good.at("accuracy"), 1.0);
  EXPECT_EQ(bad.at("accuracy"), 0.0);
  EXPECT_EQ(good.at("chance"), 0.5);
  EXPECT_NEAR(good.at("ce"), std::log(1.0 + std::exp(-4.0)), 1e-12);
  EXPECT_NEAR(bad.at("ce"), std::log(1.0 + std::exp(4.0)), 1e-12);
  const auto uniform = task->metrics(batch, std::vector<double>(perfect.size(), 0.0));
  EXPECT_NEAR(uniform.at("ce"), std::log(2.0), 1e-12);
}

// ---- copy -----------------------------------------------------------------------------

TEST(TaskCopy, SequenceLayoutFollowsArjovsky) {
  const int delay = 6;
  const auto task = make_task("copy-v0", {{"delay", "6"}});
  ASSERT_EQ(task->steps(), delay + 20);
  const Batch batch = task->sample(4, 11);
  for (int b = 0; b < batch.B; ++b) {
    std::vector<int> shown;  // the input symbol of each step
    for (int t = 0; t < batch.T; ++t) {
      int symbol = -1, hot = 0;
      for (int i = 0; i < batch.m; ++i) {
        if (batch.input(t, b, i) == 1.0) symbol = i;
        hot += batch.input(t, b, i) != 0.0;
      }
      ASSERT_EQ(hot, 1) << "one-hot input";
      shown.push_back(symbol);
    }
    for (int t = 0; t < batch.T; ++t) {
      if (t < 10) {
        EXPECT_GE(shown[t], 1);
        EXPECT_LE(shown[t], 8);
      } else {
        EXPECT_EQ(shown[t], t == delay + 9 ? 9 : 0) << "blank, marker at delay + 9; t=" << t;
      }
      const int expected = t >= delay + 10 ? shown[t - delay - 10] : 0;
      EXPECT_EQ(batch.target(t, b, expected), 1.0) << "t=" << t;
      EXPECT_EQ(batch.mask(t, b), 1.0);
    }
  }
}

TEST(TaskCopy, BaselineIsTheMemorylessLossAndPerfectRecallScoresOne) {
  for (int delay : {1, 20, 100}) {
    const auto task = make_task("copy-v0", {{"delay", std::to_string(delay)}});
    const Batch batch = task->sample(6, 9);
    const auto perfect = task->metrics(batch, target_logits(batch, 30.0));
    const double baseline = 10.0 * std::log(8.0) / (delay + 20);
    EXPECT_NEAR(perfect.at("baseline_ce"), baseline, 1e-12);
    EXPECT_EQ(perfect.at("recall_accuracy"), 1.0);
    EXPECT_EQ(perfect.at("chance"), 0.125);
    EXPECT_LT(perfect.at("ce"), 1e-9);

    // The memoryless strategy (blank until the recall, then uniform over the 8 symbols)
    // scores the baseline, and recalls at chance level at best.
    std::vector<double> memoryless(batch.targets.size(), 0.0);
    for (int t = 0; t < batch.T; ++t) {
      for (int b = 0; b < batch.B; ++b) {
        memoryless[at(batch, t, b) * batch.o + 0] = t < delay + 10 ? 60.0 : -60.0;
      }
    }
    EXPECT_NEAR(task->metrics(batch, memoryless).at("ce"), baseline, 1e-9);
  }
}

// ---- path integration ---------------------------------------------------------------

TEST(TaskPathIntegration, PathStaysInsideTheArenaAndTargetsIntegrateTheInputs) {
  struct Arena {
    const char* size;
    const char* border;
  };
  // The default arena, and a small one where the walk hits the walls all the time.
  for (const Arena arena : {Arena{"2.2", "0.03"}, Arena{"0.12", "0.03"}, Arena{"0.2", "0"}}) {
    const auto task =
        make_task("path_integration-v0",
                  {{"T", "400"}, {"arena_size", arena.size}, {"border", arena.border}});
    const double half = 0.5 * std::stod(arena.size), border = std::stod(arena.border);
    const Batch batch = task->sample(200, 17);
    ASSERT_EQ(batch.m, 4);
    double max_abs = 0.0;
    int wall_runs = 0;  // steps exactly parallel to a wall: wall avoidance turned the heading
    for (int b = 0; b < batch.B; ++b) {
      double x = batch.input(0, b, 2), y = batch.input(0, b, 3);
      for (int t = 0; t < batch.T; ++t) {
        if (t > 0) {
          ASSERT_EQ(batch.input(t, b, 2), 0.0);
          ASSERT_EQ(batch.input(t, b, 3), 0.0);
        }
        x += batch.input(t, b, 0);
        y += batch.input(t, b, 1);
        wall_runs += batch.input(t, b, 0) == 0.0 || batch.input(t, b, 1) == 0.0;
        ASSERT_NEAR(batch.target(t, b, 0), x, 1e-12);
        ASSERT_NEAR(batch.target(t, b, 1), y, 1e-12);
        ASSERT_LE(std::abs(batch.target(t, b, 0)), half - border + 1e-12) << arena.size;
        ASSERT_LE(std::abs(batch.target(t, b, 1)), half - border + 1e-12) << arena.size;
        ASSERT_EQ(batch.mask(t, b), 1.0);
        max_abs = std::max({max_abs, std::abs(x), std::abs(y)});
      }
    }
    EXPECT_GT(max_abs, 0.8 * (half - border)) << "the walk explores the arena";
    EXPECT_GT(wall_runs, 0) << "the walk meets the walls";
  }
}

TEST(TaskPathIntegration, SpeedFollowsTheRayleighDistributionAwayFromWalls) {
  // In a huge arena no wall is reached: the mean step is the Rayleigh mean sigma sqrt(pi/2) dt.
  const auto task = make_task("path_integration-v0", {{"arena_size", "1000"}});
  const Batch batch = task->sample(100, 3);
  double total = 0.0;
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b)
      total += std::hypot(batch.input(t, b, 0), batch.input(t, b, 1));
  }
  const double pi = 3.141592653589793;
  const double expected = 0.13 * 2 * pi * std::sqrt(pi / 2) * 0.02;
  EXPECT_NEAR(total / (batch.T * batch.B), expected, 0.02 * expected);
}

TEST(TaskPathIntegration, VelocityNoiseChangesTheInputsOnly) {
  const Batch clean = make_task("path_integration-v0")->sample(4, 8);
  const Batch noisy = make_task("path_integration-v0", {{"velocity_noise", "0.1"}})->sample(4, 8);
  EXPECT_EQ(clean.targets, noisy.targets);
  EXPECT_NE(clean.inputs, noisy.inputs);
}

TEST(TaskPathIntegration, MetricsScorePerfectAndHoldStartOutputs) {
  const auto task = make_task("path_integration-v0");
  const Batch batch = task->sample(10, 21);
  const auto perfect = task->metrics(batch, batch.targets);
  EXPECT_EQ(perfect.at("position_error"), 0.0);
  EXPECT_EQ(perfect.at("mse"), 0.0);
  EXPECT_GT(perfect.at("baseline_hold_start"), 0.0);

  std::vector<double> hold_start(batch.targets.size());
  for (int t = 0; t < batch.T; ++t) {
    for (int b = 0; b < batch.B; ++b) {
      hold_start[at(batch, t, b) * 2 + 0] = batch.input(0, b, 2);
      hold_start[at(batch, t, b) * 2 + 1] = batch.input(0, b, 3);
    }
  }
  const auto held = task->metrics(batch, hold_start);
  EXPECT_NEAR(held.at("position_error"), held.at("baseline_hold_start"), 1e-12);

  std::vector<double> shifted = batch.targets;  // off by (0.3, 0.4): error 0.5, mse 0.125
  for (size_t i = 0; i < shifted.size(); i += 2) {
    shifted[i] += 0.3;
    shifted[i + 1] += 0.4;
  }
  const auto off = task->metrics(batch, shifted);
  EXPECT_NEAR(off.at("position_error"), 0.5, 1e-12);
  EXPECT_NEAR(off.at("mse"), 0.125, 1e-12);
}

// ---- add ------------------------------------------------------------------------------

TEST(TaskAdd, TargetsFollowTheLaggedInputs) {
  const auto task = make_task("add-v0");
  const Batch batch = task->sample(5, 13);
  for (int b = 0; b < batch.B; ++b) {
    for (int t = 0; t < batch.T; ++t) {
      const double x = batch.input(t, b, 0);
      ASSERT_TRUE(x == 0.0 || x == 1.0);
      const double x1 = t >= 5 ? batch.input(t - 5, b, 0) : 0.0;
      const double x2 = t >= 9 ? batch.input(t - 9, b, 0) : 0.0;
      ASSERT_EQ(batch.target(t, b, 0), 0.5 + 0.5 * x1 - 0.25 * x2);
      ASSERT_EQ(batch.target(t, b, 1), 1.0 - batch.target(t, b, 0));
      ASSERT_EQ(batch.mask(t, b), 1.0);
    }
  }
}

double landmark(const std::string& id, const std::map<std::string, std::string>& params, const std::string& name) {
  const auto task = make_task(id, params);
  const Batch batch = task->sample(1, 1);
  return task->metrics(batch, std::vector<double>(batch.targets.size(), 0.0)).at(name);
}

TEST(TaskAdd, HoldRepeatsEachInputAndTargetOnACoarseClock) {
  const Batch plain = make_task("add-v0", {{"T", "10"}})->sample(4, 3);
  const Batch held = make_task("add-v0", {{"T", "28"}, {"hold", "3"}})->sample(4, 3);
  for (int b = 0; b < held.B; ++b)
    for (int t = 0; t < held.T; ++t) {
      // Step t of the held task is coarse step t / 3 of the plain one, inputs and targets alike.
      EXPECT_EQ(held.input(t, b, 0), plain.input(t / 3, b, 0)) << t;
      EXPECT_EQ(held.target(t, b, 0), plain.target(t / 3, b, 0)) << t;
    }
}

TEST(TaskAdd, LandmarksAreExactForTheConfiguredLength) {
  // Values of the exact per-step average (for t1 = 5, t2 = 9), computed independently.
  const std::map<std::string, std::string> T40{{"T", "40"}}, T100{{"T", "100"}}, long_run{{"T", "100000"}};
  EXPECT_NEAR(landmark("add-v0", T40, "baseline_no_memory"), 0.6555884216043097, 1e-12);
  EXPECT_NEAR(landmark("add-v0", T40, "baseline_t1_only"), 0.5236549488710779, 1e-12);
  EXPECT_NEAR(landmark("add-v0", T40, "baseline_both"), 0.4735028913712679, 1e-12);
  EXPECT_NEAR(landmark("add-v0", T100, "baseline_no_memory"), 0.6591733115365127, 1e-12);
  EXPECT_NEAR(landmark("add-v0", T100, "baseline_t1_only"), 0.5209619993727557, 1e-12);
  EXPECT_NEAR(landmark("add-v0", T100, "baseline_both"), 0.4620737770181424, 1e-12);
  // Long episodes approach the stationary values H(5/8), E H(E[y | x1]), E H(y).
  const double h = [](double q) { return -q * std::log(q) - (1 - q) * std::log(1 - q); }(0.625);
  EXPECT_NEAR(landmark("add-v0", long_run, "baseline_no_memory"), h, 1e-4);
  EXPECT_NEAR(landmark("add-v0", long_run, "baseline_t1_only"), 0.5191684950066329, 1e-4);
  EXPECT_NEAR(landmark("add-v0", long_run, "baseline_both"), 0.45446198685879446, 1e-4);
}

// Monte-Carlo: the best predictor at each level of memory, fitted on a large batch (per step,
// the mean target given what it knows), reaches the landmark within the batch's standard error.
TEST(TaskAdd, LandmarksMatchAMonteCarloEstimate) {
  for (const auto& params : std::vector<std::map<std::string, std::string>>{
           {{"T", "40"}},
           {{"T", "12"}, {"t1", "3"}, {"t2", "7"}},
           {{"T", "20"}, {"t1", "4"}, {"t2", "4"}},
           {{"T", "41"}, {"t1", "2"}, {"t2", "5"}, {"hold", "3"}}}) {
    const auto task = make_task("add-v0", params);
    const int t1 = std::stoi(task->config().at("t1")), t2 = std::stoi(task->config().at("t2"));
    const int hold = std::stoi(task->config().at("hold"));
    const Batch batch = task->sample(20000, 77);
    const auto landmarks = task->metrics(batch, std::vector<double>(batch.targets.size(), 0.0));
    // What each predictor knows at (t, b): nothing, x_{t-t1}, or both lags (0 before the start).
    // The input l coarse steps back (the task's clock runs at one step per `hold`).
    const auto lag = [&](int t, int b, int l) {
      const int c = t / hold;
      return c >= l ? static_cast<int>(batch.input((c - l) * hold, b, 0)) : 0;
    };
    const std::vector<std::pair<std::string, std::function<int(int, int)>>> levels{
        {"baseline_no_memory", [](int, int) { return 0; }},
        {"baseline_t1_only", [&](int t, int b) { return lag(t, b, t1); }},
        {"baseline_both", [&](int t, int b) { return 2 * lag(t, b, t1) + lag(t, b, t2); }}};
    for (const auto& [name, knows] : levels) {
      std::vector<double> per_sequence(batch.B, 0.0);
      for (int t = 0; t < batch.T; ++t) {
        double sum[4] = {0, 0, 0, 0}, count[4] = {0, 0, 0, 0};
        for (int b = 0; b < batch.B; ++b) {
          sum[knows(t, b)] += batch.target(t, b, 0);
          count[knows(t, b)] += 1;
        }
        for (int b = 0; b < batch.B; ++b) {
          const double q = sum[knows(t, b)] / count[knows(t, b)], y = batch.target(t, b, 0);
          per_sequence[b] -= ((y > 0 ? y * std::log(q) : 0.0) + (y < 1 ? (1 - y) * std::log(1 - q) : 0.0)) / batch.T;
        }
      }
      double mean = 0, square = 0;
      for (const double v : per_sequence) mean += v / batch.B;
      for (const double v : per_sequence) square += (v - mean) * (v - mean) / (batch.B - 1);
      const double standard_error = std::sqrt(square / batch.B);
      EXPECT_NEAR(mean, landmarks.at(name), 4 * standard_error + 5e-4) << name << " T=" << batch.T;
    }
    EXPECT_GT(landmarks.at("baseline_no_memory"), landmarks.at("baseline_t1_only"));
    EXPECT_GT(landmarks.at("baseline_t1_only"), landmarks.at("baseline_both") - (t1 == t2 ? 1e-12 : 0.0));
  }
}

// ---- parameter errors -----------------------------------------------------------------

TEST(TaskErrors, UnknownIdListsTheValidIds) {
  const std::string message = make_task_error("dnms");
  for (const TaskInfo& info : task_registry()) {
    EXPECT_NE(message.find(info.id), std::string::npos) << message;
  }
}

TEST(TaskErrors, UnknownParameterListsTheValidNamesWithDefaults) {
  for (const TaskInfo& info : task_registry()) {
    const std::string message = make_task_error(info.id, {{"no_such_param", "1"}});
    EXPECT_NE(message.find("no_such_param"), std::string::npos) << message;
    for (const TaskParam& param : info.params) {
      EXPECT_NE(message.find(param.name + "=" + param.default_value), std::string::npos) << message;
    }
  }
}

TEST(TaskErrors, BadValuesNameTheParameterAndItsRange) {
  struct Case {
    const char* id;
    const char* name;
    const char* value;
  };
  const Case cases[] = {
      {"dnms-v0", "D", "ten"},
      {"dnms-v0", "D", "-1"},
      {"dnms-v0", "S", "0"},
      {"dnms-v0", "S", "2.5"},
      {"dnms-v0", "R", ""},
      {"dnms-v0", "R", " 3"},
      {"dnms-v0", "D", "3x"},
      {"dnms-v0", "D", "1000001"},
      {"dnms-v0", "input_noise", "-0.1"},
      {"dnms-v0", "input_noise", "nan"},
      {"copy-v0", "delay", "0"},
      {"copy-v0", "delay", "1e3"},
      {"add-v0", "T", "99999999999999999999"},
      {"path_integration-v0", "dt", "0"},
      {"path_integration-v0", "velocity_noise", "inf"},
      {"path_integration-v0", "T", "abc"},
      {"flipflop-v0", "pulse_probability", "0"},
      {"mimic-v0", "teacher_alpha", "2"},
      {"mimic-v0", "inputs", "two"},
      {"evidence_accumulation-v0", "cues", "-7"},
      {"evidence_accumulation-v0", "cue_probability", "0.49"},
  };
  for (const Case& c : cases) {
    const std::string message = make_task_error(c.id, {{c.name, c.value}});
    EXPECT_NE(message.find(std::string("'") + c.name + "'"), std::string::npos) << message;
    const bool names_range =
        message.find("in [") != std::string::npos || message.find("in (") != std::string::npos;
    EXPECT_TRUE(names_range) << message;
  }
  // A constraint between parameters, and a derived length beyond the bound.
  EXPECT_NE(make_task_error("path_integration-v0", {{"arena_size", "0.05"}}).find("border"),
            std::string::npos);
  EXPECT_NE(make_task_error("dnms-v0", {{"D", "60000"}}).find("T ="), std::string::npos);
}

}  // namespace
}  // namespace tca
