// Training runs (bench/experiments/train.h): the optimizer op against its formula, learning that
// actually lowers the loss, reproducibility, online updates, divergence reported as such,
// learning-rate selection, the criterion, and the command line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "bench/experiments/train.h"
#include "bench/report/train_report.h"
#include "kernels/ops.h"
#include "test_util.h"

namespace tca {
namespace {

using test::random_tensor;
using test::random_values;

TEST(AdamUpdate, MatchesTheFormulaOverSeveralSteps) {
  const int64_t n = 37;
  Tensor param = random_tensor({n}, DType::f64, 1), m({n}, DType::f64), v({n}, DType::f64);
  ops::fill(m, 0.0);
  ops::fill(v, 0.0);
  std::vector<double> p = param.to_host(), mh(n, 0.0), vh(n, 0.0);
  const double lr = 0.05, b1 = 0.8, b2 = 0.95, eps = 1e-6;
  for (int step = 1; step <= 3; ++step) {
    const std::vector<double> g = random_values(n, 10 + step);
    const double scale = 0.5 * step;
    ops::adam_update(param, Tensor::from_host(g, {n}, DType::f64), m, v, lr, b1, b2, eps, step, scale);
    for (int64_t i = 0; i < n; ++i) {
      const double gi = scale * g[i];
      mh[i] = b1 * mh[i] + (1 - b1) * gi;
      vh[i] = b2 * vh[i] + (1 - b2) * gi * gi;
      p[i] -= lr * (mh[i] / (1 - std::pow(b1, step))) / (std::sqrt(vh[i] / (1 - std::pow(b2, step))) + eps);
    }
  }
  const std::vector<double> got = param.to_host();
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(got[i], p[i], 1e-14) << i;
  EXPECT_THROW(ops::adam_update(param, m, m, v, lr, b1, b2, eps, 0, 1.0), std::invalid_argument);
}

TrainConfig small_config() {
  TrainConfig c;
  c.task = "add-v0";
  c.task_params = {{"T", "30"}};
  c.algorithm = "rtrl";
  c.hidden = 8;
  c.batch = 8;
  c.seeds = {1};
  c.learning_rates = {1e-2};
  c.iterations = 40;
  c.eval_every = 10;
  c.eval_batch = 64;
  c.dtype = DType::f64;
  return c;
}

TEST(Training, ReportsTheCurvatureAndTheGeneralizationGapWhereARunEnds) {
  TrainConfig c = small_config();
  c.iterations = 10;
  const TrainResult off = run_training(c);
  EXPECT_TRUE(std::isnan(off.runs[0].top_hessian_eigenvalue));
  EXPECT_TRUE(std::isnan(off.runs[0].generalization_gap));
  c.curvature_batch = 8;
  const TrainResult on = run_training(c);
  const TrainRun& run = on.runs[0];
  EXPECT_EQ(run.test_loss, off.runs[0].test_loss);  // measuring it changes nothing
  EXPECT_TRUE(run.curvature_converged) << run.curvature_iterations;
  EXPECT_GT(run.top_hessian_eigenvalue, 0);  // near a minimum the largest curvature is positive
  EXPECT_TRUE(std::isfinite(run.generalization_gap));
  c.regime = Regime::online;
  c.update = UpdateSchedule::step;
  c.batch = 1;
  const TrainResult online = run_training(c);
  EXPECT_TRUE(std::isfinite(online.runs[0].top_hessian_eigenvalue));
  EXPECT_TRUE(std::isnan(online.runs[0].generalization_gap));
}

TEST(Training, AConfirmationBatchMustMeetTheCriterionToo) {
  TrainConfig c = small_config();
  c.task = "dnms-v1";
  c.task_params = {};
  c.algorithm = "bptt";
  c.iterations = 6;
  c.eval_every = 1;
  c.eval_batch = 1;  // one validation trial: right about half the time at chance
  c.criterion = parse_criterion("accuracy>=1");
  c.confirm_batch = 256;  // 256 trials all right: not at chance
  const TrainResult strict = run_training(c);
  const TrainRun& run = strict.runs[0];
  ASSERT_FALSE(run.confirmations.empty()) << "no validation point met the criterion; pick another seed";
  for (const Confirmation& check : run.confirmations) {
    EXPECT_FALSE(check.met) << check.iteration;
    EXPECT_LT(check.value, 0.9);
  }
  EXPECT_EQ(run.steps_to_criterion, -1);

  c.criterion = parse_criterion("accuracy>=0");  // met by every batch
  const TrainResult lenient = run_training(c);
  ASSERT_EQ(lenient.runs[0].confirmations.size(), 1u);
  EXPECT_TRUE(lenient.runs[0].confirmations[0].met);
  EXPECT_EQ(lenient.runs[0].steps_to_criterion, 0);
  c.criterion = Criterion();
  EXPECT_THROW(run_training(c), std::invalid_argument);  // a confirmation needs a criterion
}

TEST(Training, LowersTheValidationLossAndRecordsTheCurve) {
  const TrainResult r = run_training(small_config());
  ASSERT_EQ(r.runs.size(), 1u);
  const TrainRun& run = r.runs[0];
  EXPECT_FALSE(run.diverged);
  ASSERT_EQ(run.curve.size(), 5u);  // iterations 0, 10, 20, 30, 40
  EXPECT_EQ(run.curve.front().iteration, 0);
  EXPECT_EQ(run.curve.back().iteration, 40);
  EXPECT_TRUE(std::isnan(run.curve.front().train_loss));  // no window trained yet
  EXPECT_LT(run.curve.back().validation_loss, 0.9 * run.curve.front().validation_loss);
  EXPECT_EQ(run.final_validation_loss, run.curve.back().validation_loss);
  EXPECT_TRUE(std::isfinite(run.test_loss));
  EXPECT_GT(run.test_metrics.count("ce"), 0u);
  EXPECT_GT(run.steps_per_second, 0.0);
  EXPECT_GT(run.state_bytes, 0u);
}

TEST(Training, IsReproducibleAndSeedsDiffer) {
  TrainConfig c = small_config();
  c.algorithm = "uoro";  // stochastic: its noise must be keyed by the run seed too
  c.seeds = {1, 2};
  c.iterations = 10;
  const TrainResult a = run_training(c), b = run_training(c);
  for (size_t i = 0; i < a.runs.size(); ++i) {
    ASSERT_EQ(a.runs[i].curve.size(), b.runs[i].curve.size());
    for (size_t j = 0; j < a.runs[i].curve.size(); ++j)
      EXPECT_EQ(a.runs[i].curve[j].validation_loss, b.runs[i].curve[j].validation_loss);
    EXPECT_EQ(a.runs[i].test_loss, b.runs[i].test_loss);
  }
  EXPECT_NE(a.runs[0].test_loss, a.runs[1].test_loss);
}

TEST(Training, RunsSideBySideGiveTheSameResultsInTheSameOrder) {
  // --jobs: each thread trains with a learner of its own; the runs land in their own slots. A
  // stochastic rule, one that learns parameters of its own, and the exact learner's alignment
  // and curvature per run.
  for (const char* rule : {"uoro", "kernl"}) {
    TrainConfig c = small_config();
    c.algorithm = rule;
    c.iterations = 8;
    c.seeds = {1, 2, 3};
    c.learning_rates = {3e-3, 1e-2};
    c.align_every = 4;
    c.curvature_batch = 4;
    const TrainResult one = run_training(c, nullptr, 1), three = run_training(c, nullptr, 3);
    EXPECT_EQ(one.parallel_runs, 1);
    EXPECT_EQ(three.parallel_runs, 3);
    ASSERT_EQ(one.runs.size(), three.runs.size());
    for (size_t i = 0; i < one.runs.size(); ++i) {
      const TrainRun &a = one.runs[i], &b = three.runs[i];
      EXPECT_EQ(a.learning_rate, b.learning_rate);
      EXPECT_EQ(a.seed, b.seed);
      EXPECT_EQ(a.test_loss, b.test_loss) << rule << " run " << i;
      EXPECT_EQ(a.top_hessian_eigenvalue, b.top_hessian_eigenvalue) << rule << " run " << i;
      ASSERT_EQ(a.curve.size(), b.curve.size());
      for (size_t j = 0; j < a.curve.size(); ++j) EXPECT_EQ(a.curve[j].validation_loss, b.curve[j].validation_loss);
      ASSERT_EQ(a.alignment.size(), b.alignment.size());
      for (size_t j = 0; j < a.alignment.size(); ++j) EXPECT_EQ(a.alignment[j].cosine, b.alignment[j].cosine);
    }
    EXPECT_EQ(one.best_learning_rate, three.best_learning_rate);
  }
  TrainConfig c = small_config();
  c.seeds = {1};
  EXPECT_EQ(run_training(c, nullptr, 4).parallel_runs, 1);  // no more threads than runs
  EXPECT_THROW(run_training(c, nullptr, 0), std::invalid_argument);
}

TEST(Training, EachRunStartsFromTheRulesOwnInitialState) {
  // Rules that learn parameters of their own (kernl's sensitivity and timescales, dni's module,
  // miconi's baseline) start every run afresh: a run is the same alone or after another (the
  // held-out batches come from the first seed, the same in both).
  for (const char* rule : {"kernl", "dni", "miconi"}) {
    TrainConfig c = small_config();
    c.algorithm = rule;
    c.iterations = 10;
    c.learning_rates = {1e-2};
    const TrainResult alone = run_training(c);
    c.learning_rates = {3e-3, 1e-2};
    const TrainResult after = run_training(c);
    ASSERT_EQ(after.runs.size(), 2u);
    EXPECT_EQ(after.runs[1].learning_rate, 1e-2);
    EXPECT_EQ(after.runs[1].test_loss, alone.runs[0].test_loss) << rule;
  }
}

TEST(Training, OnlineUpdatesDifferFromWindowUpdatesAndNeedAForwardRule) {
  TrainConfig c = small_config();
  c.algorithm = "rflo";
  c.iterations = 5;
  c.eval_every = 5;
  const TrainResult window = run_training(c);
  c.update = UpdateSchedule::step;
  const TrainResult online = run_training(c);
  EXPECT_FALSE(online.runs[0].diverged);
  EXPECT_NE(window.runs[0].final_validation_loss, online.runs[0].final_validation_loss);
  // Many small steps must still learn something on add-v0.
  EXPECT_LT(online.runs[0].final_validation_loss, online.runs[0].curve.front().validation_loss);
  c.algorithm = "bptt";
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c.algorithm = "tbptt";  // chunked: an update at the end of every chunk
  EXPECT_NO_THROW(run_training(c));
}

TEST(Training, DivergenceIsReportedAndTheBestRateAvoidsIt) {
  TrainConfig c = small_config();
  c.task = "path_integration-v0";  // MSE: huge steps blow the outputs up to Inf/NaN
  c.task_params = {{"T", "20"}};
  c.optimizer = Optimizer::sgd;
  c.clip = 0;
  c.learning_rates = {1e-3, 1e3};
  c.seeds = {1, 2};
  c.iterations = 30;
  c.dtype = DType::f32;  // overflows to Inf within a few steps (double reaches ~1e300 first)
  const TrainResult r = run_training(c);
  int diverged = 0;
  for (const TrainRun& run : r.runs) {
    if (run.learning_rate == 1e3) {
      EXPECT_TRUE(run.diverged);
      EXPECT_GE(run.diverged_at, 0);
      EXPECT_EQ(run.final_validation_loss, std::numeric_limits<double>::infinity());
    }
    diverged += run.diverged;
  }
  EXPECT_EQ(diverged, 2);
  EXPECT_EQ(r.best_learning_rate, 1e-3);
  const nlohmann::json report = train_report(r);
  EXPECT_EQ(report["summary"]["learning_rate"], 1e-3);
  EXPECT_EQ(report["summary"]["diverged_runs"], 0);
  EXPECT_EQ(report["selection"]["by_learning_rate"]["1000"]["diverged_runs"], 2);
  EXPECT_TRUE(report["runs"][2]["final_validation_loss"].is_null());
}

TEST(Training, PicksTheRateWithTheLowestMedianValidationLoss) {
  TrainConfig c = small_config();
  c.learning_rates = {1e-4, 3e-2, 1e-2};
  c.seeds = {1, 2, 3};
  c.iterations = 20;
  const TrainResult r = run_training(c);
  double best = std::numeric_limits<double>::infinity(), best_lr = 0;
  for (double lr : c.learning_rates) {
    std::vector<double> v;
    for (const TrainRun& run : r.runs)
      if (run.learning_rate == lr) v.push_back(run.final_validation_loss);
    std::sort(v.begin(), v.end());
    if (v[1] < best) best = v[1], best_lr = lr;
  }
  EXPECT_EQ(r.best_learning_rate, best_lr);
  EXPECT_NE(r.best_learning_rate, 1e-4);  // far too small to learn in 20 steps
}

TEST(Training, CriterionIsParsedCheckedAndReached) {
  EXPECT_EQ(parse_criterion("accuracy>=0.9").metric, "accuracy");
  EXPECT_TRUE(parse_criterion("accuracy>=0.9").at_least);
  EXPECT_FALSE(parse_criterion("ce<=0.5").at_least);
  EXPECT_EQ(parse_criterion("ce<=0.5").value, 0.5);
  for (const char* bad : {"accuracy", ">=0.9", "accuracy>=", "accuracy>=x", "accuracy>=0.9x", "acc=0.9"})
    EXPECT_THROW(parse_criterion(bad), std::invalid_argument) << bad;
  TrainConfig c = small_config();
  c.iterations = 10;
  c.criterion = parse_criterion("nope>=1");
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c.criterion = parse_criterion("ce<=1e9");  // met before any training
  EXPECT_EQ(run_training(c).runs[0].steps_to_criterion, 0);
  c.stop_at_criterion = true;  // ... and the run ends there
  const TrainRun stopped = run_training(c).runs[0];
  EXPECT_EQ(stopped.curve.size(), 1u);
  EXPECT_EQ(stopped.wall_seconds, 0.0);
  c.criterion = parse_criterion("ce<=-1");  // never met
  EXPECT_EQ(run_training(c).runs[0].steps_to_criterion, -1);
  EXPECT_EQ(run_training(c).runs[0].curve.size(), 2u);  // iterations 0 and 10
  c.criterion = Criterion();
  EXPECT_THROW(run_training(c), std::invalid_argument);  // nothing to stop at
}

TEST(Training, RejectsBadConfigurations) {
  TrainConfig c = small_config();
  c.seeds = {};
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c = small_config();
  c.seeds = {4, 4};
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c = small_config();
  c.learning_rates = {-1};
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c = small_config();
  c.eval_every = 0;
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c = small_config();
  c.algorithm = "nope";
  EXPECT_THROW(run_training(c), std::invalid_argument);
}

TEST(Training, TrainsTheSpikingNetworkWithEprop) {
  TrainConfig c = small_config();
  c.model = "lif";
  c.model_params = {{"n_lif", "6"}, {"n_alif", "6"}};
  c.task = "dnms-v0";
  c.task_params = {};
  c.iterations = 30;
  c.eval_every = 10;
  c.learning_rates = {1e-2};
  for (const char* rule : {"eprop_random", "eprop_adaptive"}) {
    c.algorithm = rule;
    const TrainResult r = run_training(c);
    const TrainRun& run = r.runs[0];
    EXPECT_FALSE(run.diverged) << rule;
    EXPECT_EQ(r.n, 12) << rule;
    EXPECT_LT(run.final_validation_loss, 0.8 * run.curve.front().validation_loss) << rule;
  }
  c.update = UpdateSchedule::step;  // the spiking rules finish their estimate at the window's end
  EXPECT_THROW(run_training(c), std::invalid_argument);
  c.update = UpdateSchedule::window;
  c.model = "rate";  // spiking knobs on the rate model
  EXPECT_THROW(run_training(c), std::invalid_argument);
}

TEST(TrainCli, WritesAReportAndRefusesBadInput) {
  const std::string path = testing::TempDir() + "/train-cli.json";
  std::remove(path.c_str());
  const test::CommandResult ok = test::run_tcabench(
      "train --task add-v0 --task-param T=20 --algo rflo --hidden 8 --batch 4 --iterations 4 --eval-every 2 "
      "--eval-batch 16 --seeds 3,4 --lr 0.01,0.001 --criterion 'ce<=10' --quiet --out " + path);
  ASSERT_EQ(ok.status, 0) << ok.output;
  std::ifstream in(path);
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["kind"], "train");
  EXPECT_EQ(report["runs"].size(), 4u);
  EXPECT_EQ(report["config"]["seeds"], nlohmann::json::array({3, 4}));
  EXPECT_EQ(report["runs"][0]["curve"].size(), 3u);
  EXPECT_TRUE(report["summary"]["test_metrics"].contains("ce"));
  EXPECT_EQ(report["config"]["criterion"], "ce<=10");
  for (const auto& [args, mention] : std::vector<std::pair<std::string, std::string>>{
           {"train --criterion accuracy", "--criterion"},
           {"train --update step --algo bptt", "--update window"},
           {"train --seeds 1,x", "--seeds"},
           {"train --lr 0", "--lr"},
           {"train --optimizer lion", "--optimizer"},
           {"train --model lif --hidden 8", "--hidden applies to the rate model"},
           {"train --model-param n_lif=3", "unknown parameter 'n_lif'"},
           {"train --model-param hidden=3", "takes its hidden from --hidden"},
           {"train --model-param init=uniform", "one of gaussian, orthogonal"},
           {"train --task add-v0 --criterion 'accuracy>=0.9' --iterations 1", "has no metric 'accuracy'"}}) {
    const test::CommandResult bad = test::run_tcabench(args);
    EXPECT_EQ(bad.status, 2) << args << "\n" << bad.output;
    EXPECT_NE(bad.output.find(mention), std::string::npos) << args << "\n" << bad.output;
  }
}

}  // namespace
}  // namespace tca
