// The gradient probe: exact rules show ~zero bias, the report survives a JSON round trip, the
// dump holds everything needed to recompute the reference gradient elsewhere, and checkpoints
// follow a training run.
#include <gtest/gtest.h>

#include "tests/rule_helpers.h"
#include "algorithms/rate_rule.h"
#include "bench/experiments/probe.h"
#include "bench/report/probe_report.h"
#include "bench/report/report.h"
#include "test_util.h"

namespace tca {
namespace {

ProbeConfig small_probe(DType dtype) {
  ProbeConfig c;
  c.task = "dnms-v0";
  c.algorithms = {"rtrl", "bptt"};
  c.hidden = 32;
  c.batch = 4;
  c.seed = 1;
  c.dtype = dtype;
  c.data_batches = 4;
  return c;
}

TEST(Probe, ExactRulesAgreeWithTheReference) {
  const ProbeResult d = run_probe(small_probe(DType::f64));
  ASSERT_EQ(d.points.size(), 1u);
  ASSERT_EQ(d.points[0].algorithms.size(), 2u);
  for (const AlgorithmProbe& a : d.points[0].algorithms) {
    EXPECT_LT(a.total.rel_bias, 1e-10) << a.id;
    EXPECT_EQ(a.samples, 1) << a.id;
    EXPECT_FALSE(a.total.has_intervals) << a.id << ": one sample gives no interval";
    EXPECT_NEAR(a.total.cosine_of_mean, 1.0, 1e-12) << a.id;
    EXPECT_EQ(a.groups.size(), 5u);
    for (const auto& [name, s] : a.groups) {
      EXPECT_GT(s.reference_norm, 0.0) << a.id << " " << name;
      EXPECT_LT(s.rel_bias, 1e-9) << a.id << " " << name;
    }
  }
  const ProbeResult f = run_probe(small_probe(DType::f32));
  for (const AlgorithmProbe& a : f.points[0].algorithms) {
    EXPECT_LT(a.total.rel_bias, 1e-5) << a.id;
    EXPECT_GT(a.total.rel_bias, 0.0) << a.id << ": float cannot match double exactly";
  }
}

TEST(Probe, DataFloorIsTheSpreadOfTheExactGradientAcrossBatches) {
  // add-v0 draws random inputs. (dnms-v0 without input noise has none at a batch of 4: every
  // aligned group of four holds the four trial types, so every batch has the same gradient.)
  ProbeConfig c = small_probe(DType::f64);
  c.task = "add-v0";
  const ProbeResult r = run_probe(c);
  const DataFloor& floor = r.points[0].data_floor;
  EXPECT_EQ(floor.batches, 4);
  EXPECT_GT(floor.total, 0.0);  // different batches, different gradients
  EXPECT_EQ(floor.groups.size(), 5u);
  ProbeConfig none = c;
  none.data_batches = 0;
  EXPECT_EQ(run_probe(none).points[0].data_floor.batches, 0);
}

TEST(Probe, CheckpointsFollowATrainingRun) {
  ProbeConfig c = small_probe(DType::f64);
  c.checkpoints = {0, 30};
  c.train_lr = 0.01;
  c.data_batches = 0;
  const ProbeResult r = run_probe(c);
  ASSERT_EQ(r.points.size(), 2u);
  EXPECT_EQ(r.points[1].step, 30);
  EXPECT_NE(r.points[0].W, r.points[1].W);                           // the parameters moved
  EXPECT_LT(r.points[1].reference_loss, r.points[0].reference_loss);  // and the loss fell
  EXPECT_LT(r.points[1].algorithms[0].total.rel_bias, 1e-10);         // rtrl still exact there
  c.checkpoints = {5, 5};
  EXPECT_THROW(run_probe(c), std::invalid_argument);
}

TEST(Probe, ReportRoundTripsThroughJson) {
  const ProbeResult r = run_probe(small_probe(DType::f32));
  const nlohmann::json report = probe_report(r);
  const nlohmann::json back = nlohmann::json::parse(report.dump(2));
  EXPECT_EQ(back, report);
  EXPECT_EQ(back["schema_version"], kProbeSchemaVersion);
  EXPECT_EQ(back["config_hash"], config_hash(back["config"]));
  EXPECT_EQ(back["config"]["task"], "dnms-v0");
  EXPECT_EQ(back["backend"]["device"], "cpu");
  EXPECT_FALSE(back["git_commit"].get<std::string>().empty());
  const nlohmann::json& total = back["checkpoints"][0]["algorithms"][0]["total"];
  EXPECT_EQ(total["rel_bias"].get<double>(), r.points[0].algorithms[0].total.rel_bias);
  EXPECT_TRUE(total["rel_bias_ci95"].is_null());  // one sample: no interval
  // A cell report holds one rule.
  const nlohmann::json cell = probe_report(r, "bptt");
  EXPECT_EQ(cell["cell"]["algorithm"], "bptt");
  ASSERT_EQ(cell["checkpoints"][0]["algorithms"].size(), 1u);
  EXPECT_EQ(cell["checkpoints"][0]["algorithms"][0]["id"], "bptt");
  // A different config hashes differently.
  ProbeConfig other = small_probe(DType::f32);
  other.seed = 4;
  EXPECT_NE(config_hash(other.to_json()), config_hash(small_probe(DType::f32).to_json()));
}

TEST(Probe, DumpReproducesTheReferenceGradient) {
  const ProbeResult r = run_probe(small_probe(DType::f64));
  const nlohmann::json dump = nlohmann::json::parse(probe_dump(r).dump());
  RateRnnConfig rc;
  rc.n = dump["n"];
  rc.m = dump["m"];
  rc.o = dump["o"];
  rc.alpha = dump["alpha"];
  rc.loss = dump["loss"] == "mse" ? LossKind::mse : LossKind::cross_entropy;
  Batch batch;
  batch.T = dump["T"];
  batch.B = dump["B"];
  batch.m = rc.m;
  batch.o = rc.o;
  batch.inputs = dump["inputs"].get<std::vector<double>>();
  batch.targets = dump["targets"].get<std::vector<double>>();
  batch.loss_mask = dump["loss_mask"].get<std::vector<double>>();
  const nlohmann::json& point = dump["checkpoints"][0];
  const RateRnnParams params{
      Tensor::from_host(point["W"].get<std::vector<double>>(), {rc.n, rc.k()}, DType::f64),
      Tensor::from_host(point["W_outb"].get<std::vector<double>>(), {rc.o, rc.n + 1}, DType::f64)};
  RateRnn model(rc, DType::f64, Device::cpu);
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  run_window(model, params, to_device(batch, DType::f64, Device::cpu), *bptt, 0);
  std::vector<double> g = bptt->gradient().W.to_host();
  const std::vector<double> out = bptt->gradient().W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  EXPECT_EQ(g, point["reference_gradient"].get<std::vector<double>>());
  EXPECT_EQ(point["estimates"]["rtrl"].size(), 1u);
}

TEST(Probe, RejectsBadConfiguration) {
  ProbeConfig c = small_probe(DType::f32);
  c.hidden = 0;
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  c = small_probe(DType::f32);
  c.algorithms = {"nope"};
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  c = small_probe(DType::f32);
  c.task = "nope-v0";
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  c = small_probe(DType::f32);
  c.alpha = 1.5;
  EXPECT_THROW(run_probe(c), std::invalid_argument);
  c = small_probe(DType::f32);
  c.checkpoints = {};
  EXPECT_THROW(run_probe(c), std::invalid_argument);
}

}  // namespace
}  // namespace tca
