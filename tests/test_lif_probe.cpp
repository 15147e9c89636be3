// The gradient probe and the command line on the spiking network (--model lif): the exact
// rules agree with the reference, e-prop does not, every task runs on the spiking network
// (inputs as currents), Kolen-Pollack feedback follows the probe's training run, the dump
// reproduces the reference, and bad input is refused with a clear message.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "tests/rule_helpers.h"
#include "algorithms/lif_rule.h"
#include "bench/experiments/probe.h"
#include "bench/report/probe_report.h"
#include "bench/report/report.h"
#include "test_util.h"

namespace tca {
namespace {

ProbeConfig small_lif_probe() {
  ProbeConfig c;
  c.model = "lif";
  c.model_params = {{"n_lif", "4"}, {"n_alif", "4"}, {"tau_a", "50"}, {"beta", "0.2"}, {"init_in_scale", "2"}};
  c.task = "dnms-v0";
  c.algorithms = {"bptt", "rtrl", "eprop", "eprop_random", "eprop_adaptive"};
  c.batch = 4;
  c.dtype = DType::f64;
  c.data_batches = 0;
  return c;
}

TEST(LifProbe, ExactRulesAgreeWithTheReferenceAndEpropDoesNot) {
  const ProbeResult r = run_probe(small_lif_probe());
  EXPECT_EQ(r.n, 8);
  EXPECT_EQ(r.network["model"], "lif");
  ASSERT_EQ(r.points.size(), 1u);
  for (const AlgorithmProbe& a : r.points[0].algorithms) {
    EXPECT_EQ(a.groups.size(), 4u) << a.id;
    for (const char* group : {"W_rec", "W_in", "W_out", "b_out"}) {
      ASSERT_EQ(a.groups.count(group), 1u) << a.id << " " << group;
      EXPECT_GT(a.groups.at(group).reference_norm, 0.0) << a.id << " " << group;
    }
    EXPECT_LT(a.groups.at("W_out").rel_bias, 1e-12) << a.id << ": the readout gradient is exact";
    if (a.id == "bptt" || a.id == "rtrl") {
      EXPECT_LT(a.total.rel_bias, 1e-10) << a.id;
    } else {
      EXPECT_GT(a.total.rel_bias, 1e-3) << a.id;
      EXPECT_GT(a.total.cosine_of_mean, 0.0) << a.id;
    }
  }
  // The reference gradient has no entry on W_rec's diagonal.
  const std::vector<double>& g = r.points[0].reference;
  for (int j = 0; j < r.n; ++j) EXPECT_EQ(g[j * (r.n + r.m) + j], 0.0);
}

TEST(LifProbe, AdaptiveFeedbackFollowsTheTrainingRun) {
  ProbeConfig c = small_lif_probe();
  c.algorithms = {"eprop_random", "eprop_adaptive"};
  c.checkpoints = {0, 5};
  c.train_lr = 0.01;
  const ProbeResult r = run_probe(c);
  const auto& start = r.points[0].algorithms;
  const auto& later = r.points[1].algorithms;
  EXPECT_EQ(start[0].estimates, start[1].estimates);  // B = B_0 before any training
  EXPECT_NE(later[0].estimates, later[1].estimates);  // then B = B_0 + (W_out - W_out,0)^T
  EXPECT_NE(r.points[0].W_outb, r.points[1].W_outb);
}

// A suite probes each rule in a cell of its own and shares the reference between them
// (ProbeReferences): every rule must get, bit for bit, what one probe of all of them gives,
// eprop_adaptive too, whose feedback follows the training run through the recorded W_outb.
TEST(LifProbe, RulesProbedAloneOnASharedReferenceGetTheirNumbers) {
  ProbeConfig c = small_lif_probe();
  c.algorithms = {"eprop_random", "eprop_adaptive", "bptt"};
  c.checkpoints = {0, 3, 5};
  c.train_lr = 0.01;
  c.data_batches = 2;
  const ProbeResult together = run_probe(c);
  ProbeReferences references;
  for (size_t i = 0; i < c.algorithms.size(); ++i) {
    ProbeConfig one = c;
    one.algorithms = {c.algorithms[i]};
    const ProbeResult alone = run_probe(one, nullptr, &references);
    ASSERT_EQ(alone.points.size(), together.points.size());
    for (size_t p = 0; p < alone.points.size(); ++p) {
      const ProbePoint& a = alone.points[p];
      const ProbePoint& t = together.points[p];
      EXPECT_EQ(a.reference, t.reference);
      EXPECT_EQ(a.W_outb, t.W_outb);
      EXPECT_EQ(a.data_floor.recurrent, t.data_floor.recurrent);
      EXPECT_EQ(a.task_metrics, t.task_metrics);
      EXPECT_EQ(a.algorithms[0].estimates, t.algorithms[i].estimates) << c.algorithms[i] << " step " << a.step;
      EXPECT_EQ(a.algorithms[0].total.rel_bias, t.algorithms[i].total.rel_bias) << c.algorithms[i];
    }
  }
  EXPECT_EQ(references.size(), 1u);  // computed once, for the first rule
  ProbeConfig other = c;
  other.train_lr = 0.02;  // another training run: another reference
  other.algorithms = {"bptt"};
  run_probe(other, nullptr, &references);
  EXPECT_EQ(references.size(), 2u);
  EXPECT_EQ(probe_reference_key(c), probe_reference_key([&] {
              ProbeConfig rules_only = c;
              rules_only.algorithms = {"eprop"};
              rules_only.samples = 7;
              rules_only.adapt_windows = 3;
              return rules_only;
            }()));
  EXPECT_NE(probe_reference_key(c), probe_reference_key(other));
}

TEST(LifProbe, TheReferenceIsPlainBpttWhateverAProbedBpttIsGiven) {
  // A probed bptt with stop_gradient=recurrent is not exact; the reference stays exact, and so
  // the same whichever rule of a shared (task, n) runs first.
  ProbeConfig c = small_lif_probe();
  c.algorithms = {"bptt"};
  c.checkpoints = {0, 2};
  c.algo_params["bptt"] = {{"stop_gradient", "recurrent"}};
  ProbeConfig plain = c;
  plain.algorithms = {"eprop"};
  plain.algo_params.clear();
  const ProbeResult truncated = run_probe(c), alone = run_probe(plain);
  ProbeReferences references;
  run_probe(c, nullptr, &references);
  const ProbeResult shared = run_probe(plain, nullptr, &references);
  for (size_t p = 0; p < alone.points.size(); ++p) {
    EXPECT_EQ(truncated.points[p].reference, alone.points[p].reference);
    EXPECT_EQ(shared.points[p].algorithms[0].estimates, alone.points[p].algorithms[0].estimates);
    EXPECT_GT(truncated.points[p].algorithms[0].total.rel_bias, 1e-3);  // the truncated rule measured as such
  }
}

TEST(LifProbe, EveryTaskRunsOnTheSpikingNetwork) {
  for (const TaskInfo& info : task_registry()) {
    ProbeConfig c = small_lif_probe();
    c.task = info.id;
    c.algorithms = {"bptt", "eprop"};
    for (const TaskParam& p : info.params)
      if (p.name == "T") c.task_params["T"] = "20";
      else if (p.name == "delay") c.task_params["delay"] = "5";
      else if (p.name == "max_precue") c.task_params["max_precue"] = "2";  // reach-v0's phases fit in T
      else if (p.name == "min_delay") c.task_params["min_delay"] = "3";
      else if (p.name == "max_delay") c.task_params["max_delay"] = "8";
      else if (p.name == "movement") c.task_params["movement"] = "5";
    const ProbeResult r = run_probe(c);
    const AlgorithmProbe& bptt = r.points[0].algorithms[0];
    EXPECT_GT(bptt.total.reference_norm, 0.0) << info.id;
    EXPECT_LT(bptt.total.rel_bias, 1e-12) << info.id;
    EXPECT_TRUE(std::isfinite(r.points[0].algorithms[1].total.rel_bias)) << info.id;
    EXPECT_TRUE(std::isfinite(r.points[0].reference_loss)) << info.id;
  }
}

TEST(LifProbe, ConfigKeepsTheRateModelsKeysApart) {
  const nlohmann::json lif = small_lif_probe().to_json();
  EXPECT_EQ(lif["model"], "lif");
  EXPECT_EQ(lif["model_params"]["n_lif"], "4");
  EXPECT_FALSE(lif.contains("hidden"));
  ProbeConfig rate;
  const nlohmann::json rj = rate.to_json();
  EXPECT_FALSE(rj.contains("model"));  // a rate config hashes as it did before the spiking network
  EXPECT_TRUE(rj.contains("hidden"));
  EXPECT_FALSE(rj.contains("model_params"));
  // The rate network's other knobs are part of its config, and of the hash, when given.
  rate.model_params = {{"init", "orthogonal"}};
  EXPECT_EQ(rate.to_json()["model_params"]["init"], "orthogonal");
  EXPECT_NE(config_hash(rate.to_json()), config_hash(rj));
  const nlohmann::json report = probe_report(run_probe(small_lif_probe()));
  EXPECT_EQ(report["network"]["model"], "lif");
  EXPECT_EQ(report["network"]["config"]["n_alif"], "4");
  EXPECT_EQ(report["config_hash"], config_hash(report["config"]));
}

TEST(LifProbe, DumpReproducesTheReferenceGradient) {
  const ProbeResult r = run_probe(small_lif_probe());
  const nlohmann::json dump = nlohmann::json::parse(probe_dump(r).dump());
  ASSERT_EQ(dump["model"], "lif");
  std::map<std::string, std::string> knobs;
  for (const auto& [key, value] : dump["model_config"].items()) knobs[key] = value.get<std::string>();
  LifRnnConfig lc = parse_lif_config(Params("lif", lif_params().docs(), knobs));
  lc.m = dump["m"];
  lc.o = dump["o"];
  lc.loss = dump["loss"] == "mse" ? LossKind::mse : LossKind::cross_entropy;
  Batch batch;
  batch.T = dump["T"];
  batch.B = dump["B"];
  batch.m = lc.m;
  batch.o = lc.o;
  batch.inputs = dump["inputs"].get<std::vector<double>>();
  batch.targets = dump["targets"].get<std::vector<double>>();
  batch.loss_mask = dump["loss_mask"].get<std::vector<double>>();
  const nlohmann::json& point = dump["checkpoints"][0];
  const LifRnnParams params{Tensor::from_host(point["W"].get<std::vector<double>>(), {lc.n(), lc.k()}, DType::f64),
                            Tensor::from_host(point["W_outb"].get<std::vector<double>>(), {lc.o, lc.n() + 1},
                                              DType::f64)};
  LifRnn model(lc, DType::f64, Device::cpu);
  auto bptt = make_lif_algorithm("bptt", lc, DType::f64, Device::cpu);
  run_window(model, params, to_device(batch, DType::f64, Device::cpu), *bptt, 0);
  std::vector<double> g = bptt->gradient().W.to_host();
  const std::vector<double> out = bptt->gradient().W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  EXPECT_EQ(g, point["reference_gradient"].get<std::vector<double>>());
}

TEST(LifProbe, RejectsBadConfiguration) {
  ProbeConfig c = small_lif_probe();
  c.model = "spiking";
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  c = small_lif_probe();
  c.model_params["nope"] = "1";
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  c = small_lif_probe();
  c.algorithms = {"uoro"};
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  ProbeConfig rate;
  rate.model_params = {{"n_lif", "3"}};
  EXPECT_THROW(run_probe(rate), std::invalid_argument);
}

// ==== the command line ===========================================================================

void expect_failure(const std::string& args, const std::string& must_mention) {
  const test::CommandResult r = test::run_tcabench(args);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
  EXPECT_EQ(r.output.rfind("tcabench: error: ", 0), 0u) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(must_mention), std::string::npos) << args << "\n" << r.output;
}

TEST(LifCli, ProbeReportsBiasVarianceAndCosineOfEachRule) {
  const test::CommandResult r = test::run_tcabench(
      "probe --model lif --task dnms-v0 --algo bptt,eprop,eprop_random --model-param n_lif=4 --model-param n_alif=4 "
      "--model-param init_in_scale=2 --batch 4 --precision double --data-batches 0 --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json report = nlohmann::json::parse(r.output);
  const nlohmann::json& algorithms = report["checkpoints"][0]["algorithms"];
  ASSERT_EQ(algorithms.size(), 3u);
  for (const nlohmann::json& a : algorithms) {
    for (const char* field : {"rel_bias", "rel_variance", "cosine_of_mean", "mean_cosine", "norm_ratio"})
      EXPECT_TRUE(a["total"][field].is_number()) << a["id"] << " " << field;
    EXPECT_EQ(a["groups"].size(), 4u) << a["id"];
    if (a["id"] == "bptt") EXPECT_LT(a["total"]["rel_bias"].get<double>(), 1e-12);
    else EXPECT_GT(a["total"]["rel_bias"].get<double>(), 1e-3) << a["id"];
  }
  EXPECT_EQ(report["config"]["model"], "lif");
  const test::CommandResult all = test::run_tcabench(
      "probe --model lif --task add-v0 --task-param T=15 --algo all --model-param n_lif=2 --model-param n_alif=2 "
      "--batch 2 --data-batches 0 --quiet");
  ASSERT_EQ(all.status, 0) << all.output;
  EXPECT_EQ(nlohmann::json::parse(all.output)["checkpoints"][0]["algorithms"].size(), rules_of("lif").size());
}

TEST(LifCli, ListsAndErrors) {
  const test::CommandResult models = test::run_tcabench("models");
  ASSERT_EQ(models.status, 0);
  for (const char* text : {"lif ", "n_lif = 50", "n_alif = 50", "tau_a = 2000",
                           "refractory = 5", "gamma = 0.3", "rate_target = 10",
                           "beta = auto"})
    EXPECT_NE(models.output.find(text), std::string::npos) << text << "\n" << models.output;
  const test::CommandResult algos = test::run_tcabench("algos");
  ASSERT_EQ(algos.status, 0);
  for (const char* text : {"--model lif", "eprop_random ", "eprop_adaptive ", "stop_gradient = none"})
    EXPECT_NE(algos.output.find(text), std::string::npos) << text << "\n" << algos.output;
  expect_failure("probe --model spiking", "--model");
  expect_failure("probe --model lif --hidden 8", "--hidden");
  expect_failure("probe --model lif --alpha 0.5", "--alpha");
  expect_failure("probe --model-param n_lif=3", "--model rate: unknown parameter 'n_lif'");
  expect_failure("probe --model lif --model-param nope=1", "n_lif");
  expect_failure("probe --model lif --model-param refractory=0", "refractory");
  expect_failure("probe --model lif --algo uoro", "eprop_adaptive");
}

}  // namespace
}  // namespace tca
