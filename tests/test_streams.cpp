// The online regime: task streams that continue their signal across chunks, networks and rules
// that carry their state from one window of a stream to the next, and training on streams with
// an update after every step; and the alignment recorded along a run's own trajectory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "algorithms/registry.h"
#include "bench/experiments/train.h"
#include "core/seeds.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"
#include "rule_helpers.h"
#include "tasks/task.h"
#include "test_util.h"

namespace tca {
namespace {

// Steps [first, first + count) of a batch, as a batch of their own.
Batch steps_of(const Batch& batch, int first, int count) {
  Batch out = batch;
  out.T = count;
  const size_t B = static_cast<size_t>(batch.B), from = static_cast<size_t>(first) * B, to = from + count * B;
  out.inputs.assign(batch.inputs.begin() + from * batch.m, batch.inputs.begin() + to * batch.m);
  out.targets.assign(batch.targets.begin() + from * batch.o, batch.targets.begin() + to * batch.o);
  out.loss_mask.assign(batch.loss_mask.begin() + from, batch.loss_mask.begin() + to);
  out.trial_start.assign(batch.trial_start.begin() + from, batch.trial_start.begin() + to);
  return out;
}

// ==== tasks ==================================================================================

TEST(TaskStreams, ContinuousTasksCutOneLongSequenceIntoChunks) {
  struct Case {
    std::string id;
    std::map<std::string, std::string> params;
  };
  const int T = 10, chunks = 4, B = 3;
  const std::vector<Case> cases{
      {"add-v0", {}},
      {"add-v0", {{"hold", "3"}}},  // T is no multiple of the hold: a held input spans chunks
      {"mimic-v0", {{"inputs", "3"}, {"outputs", "2"}, {"teacher_hidden", "5"}, {"hold", "4"}}},
  };
  for (const Case& c : cases) {
    auto params = c.params;
    params["T"] = std::to_string(T);
    const auto task = make_task(c.id, params);
    params["T"] = std::to_string(T * chunks);
    const Batch whole = make_task(c.id, params)->sample(B, 77);
    const auto stream = task->stream(B, 77);
    for (int i = 0; i < chunks; ++i) {
      const Batch chunk = stream->next();
      const Batch want = steps_of(whole, i * T, T);
      const std::string where = c.id + " hold " + (c.params.count("hold") ? c.params.at("hold") : "1") +
                                " chunk " + std::to_string(i);
      EXPECT_EQ(chunk.inputs, want.inputs) << where;
      EXPECT_EQ(chunk.targets, want.targets) << where;
      EXPECT_EQ(chunk.loss_mask, want.loss_mask) << where;
      EXPECT_EQ(chunk.trial_start, want.trial_start) << where;  // one trial: only the stream's first step
      if (i == 0) EXPECT_EQ(chunk.inputs, task->sample(B, 77).inputs) << where;
    }
  }
}

TEST(TaskStreams, AddScoresAStreamsLaterWindowsAgainstTheStationaryLandmarks) {
  const auto task = make_task("add-v0", {{"T", "40"}});
  const auto stream = task->stream(4, 5);
  const Batch first = stream->next(), later = stream->next();
  const std::vector<double> outputs(static_cast<size_t>(first.T) * first.B * first.o, 0.0);
  const auto at_start = task->metrics(first, outputs), mid_stream = task->metrics(later, outputs);
  EXPECT_NEAR(at_start.at("baseline_both"), 0.4735, 5e-5);  // T = 40 from zero state (tasks.md)
  EXPECT_NEAR(mid_stream.at("baseline_no_memory"), 0.6616, 5e-5);  // every lag reads a real input
  EXPECT_NEAR(mid_stream.at("baseline_t1_only"), 0.5192, 5e-5);
  EXPECT_NEAR(mid_stream.at("baseline_both"), 0.4545, 5e-5);
}

TEST(TaskStreams, TrialTasksPutTheBatchedRegimesBatchesBackToBack) {
  const auto task = make_task("dnms-v1");
  const auto stream = task->stream(5, 3);
  for (uint64_t i = 0; i < 3; ++i) {
    const Batch chunk = stream->next();
    const Batch want = task->sample(5, derived_seed(3, SeedPurpose::training, i));
    EXPECT_EQ(chunk.inputs, want.inputs) << i;
    EXPECT_EQ(chunk.targets, want.targets) << i;
    EXPECT_EQ(chunk.trial_start, want.trial_start) << i;
  }
}

// ==== networks and rules =====================================================================

TEST(Streams, NetworksContinueFromTheLastStep) {
  const int T = 6, B = 2;
  for (const std::string id : {"rate", "lif"}) {
    std::unique_ptr<Network> net;
    if (id == "rate") net = std::make_unique<RateRnn>(RateRnnConfig{5, 3, 2, 0.7, LossKind::mse}, DType::f64, Device::cpu);
    else {
      LifRnnConfig lc;
      lc.n_lif = lc.n_alif = 4;
      lc.m = 3;
      lc.o = 2;
      net = std::make_unique<LifRnn>(lc, DType::f64, Device::cpu);
    }
    const Batch whole = test::random_batch(2 * T, B, net->m(), net->o(), LossKind::mse, 5);
    const NetworkParams params = net->initial_params(4, DType::f64, Device::cpu);
    std::vector<double> want;
    run_window(*net, params, to_device(whole, DType::f64, Device::cpu), nullptr, 0, &want);

    std::vector<double> got;
    for (int half = 0; half < 2; ++half) {
      const DeviceBatch part = to_device(steps_of(whole, half * T, T), DType::f64, Device::cpu);
      if (half == 0) net->begin(B);
      else net->resume();
      for (int t = 0; t < T; ++t) {
        net->step(params, part, t);
        const std::vector<double> y = net->outputs().to_host();
        got.insert(got.end(), y.begin(), y.end());
      }
    }
    ASSERT_EQ(got.size(), want.size()) << id;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << id << " output " << i;
  }
}

// A rule's gradient over a window of 2T steps is the sum of its gradients over the two halves
// run as one stream: nothing is reset at the boundary, nothing counted twice.
TEST(Streams, OnlineRulesCarryTheirTracesOver) {
  const int T = 7, B = 3;
  const RateRnnConfig rc{5, 2, 2, 0.6, LossKind::cross_entropy};
  RateRnn net(rc, DType::f64, Device::cpu);
  const NetworkParams params = net.initial_params(8, DType::f64, Device::cpu);
  const Batch whole = test::random_batch(2 * T, B, rc.m, rc.o, rc.loss, 9);
  struct Case {
    std::string rule;
    std::map<std::string, std::string> params;
  };
  const std::vector<Case> cases{{"rtrl", {}},  {"rflo", {}},  {"eprop", {}},
                                {"snap1", {}}, {"tbptt", {{"mode", "future"}, {"h", "4"}}}, {"tbptt", {{"h", "4"}}}};
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  run_window(net, params, to_device(whole, DType::f64, Device::cpu), *bptt, 0);
  for (const Case& c : cases) {
    auto whole_rule = make_algorithm(c.rule, rc, DType::f64, Device::cpu, c.params);
    run_window(net, params, to_device(whole, DType::f64, Device::cpu), *whole_rule, 0);
    const std::vector<double> want = whole_rule->gradient().W.to_host();

    auto rule = make_algorithm(c.rule, rc, DType::f64, Device::cpu, c.params);
    std::vector<double> sum(want.size(), 0.0);
    for (int half = 0; half < 2; ++half) {
      const DeviceBatch part = to_device(steps_of(whole, half * T, T), DType::f64, Device::cpu);
      if (half == 0) {
        net.begin(B);
        rule->reset(params, B, 0);
      } else {
        net.resume();
        rule->resume(params, 0);
      }
      for (int t = 0; t < T; ++t) {
        net.step(params, part, t);
        rule->step(net);
      }
      if (half == 1) rule->finish();  // a stream does not finish its first window
      const std::vector<double> g = rule->gradient().W.to_host();
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += g[i];
    }
    ASSERT_GT(test::norm(want), 1e-3) << c.rule;
    EXPECT_LT(test::relative_error(sum, want), 1e-13) << c.rule;
    if (c.rule == "rtrl") EXPECT_LT(test::relative_error(sum, bptt->gradient().W.to_host()), 1e-12);
  }
}

TEST(Streams, StochasticRulesDrawAfreshFromTheNewSeedAndWindowOnlyRulesRefuse) {
  const RateRnnConfig rc{4, 2, 2, 1.0, LossKind::mse};
  RateRnn net(rc, DType::f64, Device::cpu);
  const NetworkParams params = net.initial_params(2, DType::f64, Device::cpu);
  const DeviceBatch part = to_device(test::random_batch(5, 2, rc.m, rc.o, rc.loss, 3), DType::f64, Device::cpu);
  auto second_window = [&](uint64_t seed) {
    auto uoro = make_algorithm("uoro", rc, DType::f64, Device::cpu);
    run_window(net, params, part, *uoro, 1);
    net.resume();
    uoro->resume(params, seed);
    for (int t = 0; t < part.T; ++t) {
      net.step(params, part, t);
      uoro->step(net);
    }
    return uoro->gradient().W.to_host();
  };
  EXPECT_EQ(second_window(11), second_window(11));
  EXPECT_NE(second_window(11), second_window(12));

  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  run_window(net, params, part, *bptt, 0);
  EXPECT_THROW(bptt->resume(params, 0), std::logic_error);
  auto fresh = make_algorithm("rtrl", rc, DType::f64, Device::cpu);
  EXPECT_THROW(fresh->resume(params, 0), std::logic_error);  // nothing to continue
}

// ==== training ===============================================================================

TrainConfig online_config() {
  TrainConfig c;
  c.task = "add-v0";
  c.task_params = {{"T", "10"}};
  c.algorithm = "rtrl";
  c.hidden = 6;
  c.batch = 2;
  c.seeds = {1};
  c.learning_rates = {0.05};
  c.regime = Regime::online;
  c.update = UpdateSchedule::step;
  c.optimizer = Optimizer::sgd;
  c.clip = 0;
  c.iterations = 6;
  c.eval_every = 100;
  c.eval_batch = 16;
  c.dtype = DType::f64;
  return c;
}

TEST(OnlineTraining, ChunksOfAStreamTrainLikeOneLongWindow) {
  // Three windows of 10 steps of one stream, updated after every step, are one window of 30:
  // the same data, the same updates, the same summed loss.
  TrainConfig short_windows = online_config();
  short_windows.iterations = 3;
  TrainConfig long_window = online_config();
  long_window.iterations = 1;
  long_window.task_params = {{"T", "30"}};
  const TrainResult a = run_training(short_windows), b = run_training(long_window);
  const double three_windows = 3 * a.runs[0].curve.back().train_loss;
  const double one_window = b.runs[0].curve.back().train_loss;
  EXPECT_NEAR(three_windows, one_window, 1e-12 * std::abs(one_window));

  // The batched regime with per-step updates resets every window: not the same run.
  short_windows.regime = Regime::batched;
  const TrainResult reset = run_training(short_windows);
  EXPECT_GT(std::abs(3 * reset.runs[0].curve.back().train_loss - one_window), 1e-6);
}

TEST(OnlineTraining, EvaluationsAndAlignmentLeaveTheRunAsItIs) {
  for (const Regime regime : {Regime::online, Regime::batched}) {
    for (const std::string rule : {"rtrl", "uoro"}) {
      TrainConfig quiet = online_config();
      quiet.regime = regime;
      quiet.algorithm = rule;
      TrainConfig busy = quiet;
      busy.eval_every = 1;
      busy.align_every = 2;
      const TrainResult a = run_training(quiet), b = run_training(busy);
      const std::string where = rule + (regime == Regime::online ? " online" : " batched");
      EXPECT_EQ(a.runs[0].test_loss, b.runs[0].test_loss) << where;
      EXPECT_TRUE(a.runs[0].alignment.empty()) << where;
      ASSERT_EQ(b.runs[0].alignment.size(), 4u) << where;  // iterations 0, 2, 4 and the last, 6
      EXPECT_EQ(b.runs[0].alignment.back().iteration, 6) << where;
      for (const AlignmentPoint& p : b.runs[0].alignment) {
        if (rule == "rtrl") {  // exact: aligned to rounding
          EXPECT_GT(p.cosine, 1 - 1e-12) << where;
          EXPECT_LT(p.relative_error, 1e-6) << where;
        } else {  // unbiased but noisy: one estimate is off by a visible amount
          EXPECT_LT(p.cosine, 1 - 1e-6) << where;
          EXPECT_GT(p.relative_error, 1e-3) << where;
        }
        EXPECT_GT(p.exact_norm, 0) << where;
      }
    }
  }
}

TEST(OnlineTraining, HeldOutDataAreScoredInTheMiddleOfAStream) {
  // Validation and test run a held-out stream's first window as a warm-up and score its second:
  // on add-v0 that window has the stationary landmarks.
  const TrainResult online = run_training(online_config());
  EXPECT_NEAR(online.runs[0].test_metrics.at("baseline_both"), 0.4545, 5e-5);
  EXPECT_NEAR(online.runs[0].curve.back().validation_metrics.at("baseline_both"), 0.4545, 5e-5);
  TrainConfig batched = online_config();
  batched.regime = Regime::batched;
  EXPECT_GT(run_training(batched).runs[0].test_metrics.at("baseline_both"), 0.46);  // T = 10 from zero state
}

TEST(OnlineTraining, RefusesWindowOnlyRulesAndWindowUpdates) {
  TrainConfig c = online_config();
  c.algorithm = "bptt";
  try {
    run_training(c);
    FAIL() << "bptt trained online";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--regime online"), std::string::npos) << e.what();
  }
  c.algorithm = "tbptt";
  c.algo_params = {{"mode", "future"}, {"h", "3"}};
  EXPECT_NO_THROW(run_training(c));
  c.algo_params = {{"h", "3"}};  // chunks: an update at the end of every chunk
  EXPECT_NO_THROW(run_training(c));
  c = online_config();
  c.update = UpdateSchedule::window;
  EXPECT_THROW(run_training(c), std::invalid_argument);
}

TEST(OnlineTraining, PerStepUpdatesInTheBatchedRegimeApplyWhatTheWindowsEndHandsOut) {
  // With a learning rate too small to change the trajectory much, the updates of one window sum
  // to about the window's gradient: all of it, the last steps of tbptt mode=future included.
  TrainConfig c = online_config();
  c.regime = Regime::batched;
  c.iterations = 1;
  c.learning_rates = {1e-6};
  c.algorithm = "tbptt";
  c.algo_params = {{"mode", "future"}, {"h", "4"}};
  const TrainResult stepwise = run_training(c);
  c.update = UpdateSchedule::window;
  const TrainResult windowwise = run_training(c);
  const double moved = std::abs(stepwise.runs[0].test_loss - windowwise.runs[0].test_loss);
  const TrainConfig untrained = [&] { TrainConfig u = c; u.learning_rates = {1e-30}; return u; }();
  const double total = std::abs(run_training(untrained).runs[0].test_loss - windowwise.runs[0].test_loss);
  ASSERT_GT(total, 0);
  EXPECT_LT(moved, 1e-3 * total);
}

TEST(OnlineTrainingCli, TheOnlineRegimeSetsTheLiteraturesSettingsUnlessGiven) {
  const std::string common =
      "train --task add-v0 --task-param T=5 --algo rtrl --hidden 3 --iterations 2 --seeds 1 --lr 0.01 "
      "--eval-batch 4 --quiet --regime online";
  const test::CommandResult plain = test::run_tcabench(common);
  ASSERT_EQ(plain.status, 0) << plain.output;
  const nlohmann::json report = nlohmann::json::parse(plain.output);
  EXPECT_EQ(report.at("regime"), "online");
  const nlohmann::json& config = report.at("config");
  EXPECT_EQ(config.at("update"), "step");
  EXPECT_EQ(config.at("optimizer"), "sgd");
  EXPECT_EQ(config.at("clip"), 0.0);
  EXPECT_EQ(config.at("batch"), 1);
  const test::CommandResult given = test::run_tcabench(common + " --optimizer adam --batch 3 --align-every 1");
  ASSERT_EQ(given.status, 0) << given.output;
  const nlohmann::json with = nlohmann::json::parse(given.output);
  EXPECT_EQ(with.at("config").at("optimizer"), "adam");
  EXPECT_EQ(with.at("config").at("batch"), 3);
  EXPECT_EQ(with.at("runs")[0].at("alignment").size(), 3u);
  const test::CommandResult refused = test::run_tcabench(common + " --update window");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("--regime online updates after every step"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace tca
