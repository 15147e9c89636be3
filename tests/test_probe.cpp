// The gradient probe: exact rules show ~zero bias, the report survives a JSON round trip, and
// the dump holds everything needed to recompute the reference gradient elsewhere.
#include <gtest/gtest.h>

#include "algorithms/algorithm.h"
#include "bench/probe.h"
#include "bench/report.h"
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
  return c;
}

TEST(Probe, ExactRulesAgreeWithTheReference) {
  const ProbeResult d = run_probe(small_probe(DType::f64));
  ASSERT_EQ(d.algorithms.size(), 2u);
  for (const AlgorithmProbe& a : d.algorithms) {
    EXPECT_LT(a.total.rel_bias, 1e-10) << a.id;
    EXPECT_EQ(a.samples, 1) << a.id;
    EXPECT_EQ(a.total.rel_variance, 0.0) << a.id;
    EXPECT_NEAR(a.total.cosine_of_mean, 1.0, 1e-12) << a.id;
    EXPECT_EQ(a.groups.size(), 5u);
    for (const auto& [name, s] : a.groups) {
      EXPECT_GT(s.reference_norm, 0.0) << a.id << " " << name;
      EXPECT_LT(s.rel_bias, 1e-9) << a.id << " " << name;
    }
  }
  const ProbeResult f = run_probe(small_probe(DType::f32));
  for (const AlgorithmProbe& a : f.algorithms) {
    EXPECT_LT(a.total.rel_bias, 1e-5) << a.id;
    EXPECT_GT(a.total.rel_bias, 0.0) << a.id << ": float cannot match double exactly";
  }
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
  EXPECT_EQ(back["algorithms"][0]["total"]["rel_bias"].get<double>(), r.algorithms[0].total.rel_bias);
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
  const RateRnnParams params{
      Tensor::from_host(dump["W"].get<std::vector<double>>(), {rc.n, rc.k()}, DType::f64),
      Tensor::from_host(dump["W_outb"].get<std::vector<double>>(), {rc.o, rc.n + 1}, DType::f64)};
  RateRnn model(rc, DType::f64, Device::cpu);
  auto bptt = make_algorithm("bptt", rc, DType::f64, Device::cpu);
  run_window(model, params, to_device(batch, DType::f64, Device::cpu), *bptt, 0);
  std::vector<double> g = bptt->gradient().W.to_host();
  const std::vector<double> out = bptt->gradient().W_outb.to_host();
  g.insert(g.end(), out.begin(), out.end());
  EXPECT_EQ(g, dump["reference_gradient"].get<std::vector<double>>());
  EXPECT_EQ(dump["estimates"]["rtrl"].size(), 1u);
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
}

}  // namespace
}  // namespace tca
