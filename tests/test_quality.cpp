// The gradient-quality gate: today's metrics hold against the committed baseline, and every
// kind of departure from it (a changed value, a metric on one side only, other settings, an
// exact rule above its bound) is reported; tcabench quality exits 1 on a perturbed baseline.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "bench/gates/quality.h"
#include "test_util.h"

namespace {

using tca::test::CommandResult;
using tca::test::run_tcabench;

const nlohmann::json& current() {
  static const nlohmann::json metrics = tca::quality_metrics();
  return metrics;
}

nlohmann::json committed_baseline() {
  std::ifstream in(std::string(TCABENCH_SOURCE_DIR) + "/results/baselines/quality.json");
  EXPECT_TRUE(in.good()) << "results/baselines/quality.json is missing";
  return nlohmann::json::parse(in);
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST(QualityGate, CommittedBaselineHolds) {
  const tca::QualityReport report = tca::check_quality(current(), committed_baseline());
  EXPECT_TRUE(report.violations.empty()) << joined(report.violations)
                                         << "(if the change is intended: tcabench quality --write)";
  EXPECT_EQ(report.checks.size(), current()["metrics"].size());
  // The exact rules are held to their bound, and RTRL is one of them.
  EXPECT_LT(current()["metrics"]["dnms-v0/rtrl/rel_bias"].get<double>(), tca::kQualityExactBound);
  EXPECT_LT(current()["metrics"]["add-v0/rtrl/rel_bias"].get<double>(), tca::kQualityExactBound);
  EXPECT_NE(std::find(current()["exact"].begin(), current()["exact"].end(), "add-v0/rtrl/rel_bias"),
            current()["exact"].end());
}

TEST(QualityGate, EveryDepartureIsAViolation) {
  const std::string key = "dnms-v0/eprop/cosine_of_mean";
  ASSERT_TRUE(current()["metrics"].contains(key));
  const double value = current()["metrics"][key].get<double>();
  ASSERT_GT(value, 0.1);
  EXPECT_TRUE(tca::check_quality(current(), current()).violations.empty());

  nlohmann::json base = current();
  base["metrics"][key] = value * (1 + 1e-5);  // beyond the relative tolerance
  std::vector<std::string> v = tca::check_quality(current(), base).violations;
  ASSERT_EQ(v.size(), 1u) << joined(v);
  EXPECT_EQ(v[0].rfind(key, 0), 0u) << v[0];

  base["metrics"][key] = value * (1 + 1e-8);  // rounding-sized: within it
  EXPECT_TRUE(tca::check_quality(current(), base).violations.empty());

  base = current();
  base["metrics"].erase(key);
  v = tca::check_quality(current(), base).violations;
  ASSERT_EQ(v.size(), 1u) << joined(v);
  EXPECT_NE(v[0].find("not in the baseline"), std::string::npos) << v[0];

  base = current();
  base["metrics"]["dnms-v0/retired_rule/rel_bias"] = 0.5;
  v = tca::check_quality(current(), base).violations;
  ASSERT_EQ(v.size(), 1u) << joined(v);
  EXPECT_NE(v[0].find("no longer computed"), std::string::npos) << v[0];

  base = current();
  base["config"]["seed"] = 2;
  v = tca::check_quality(current(), base).violations;
  ASSERT_EQ(v.size(), 1u) << joined(v);
  EXPECT_NE(v[0].find("other probe settings"), std::string::npos) << v[0];

  // An exact rule is held to its bound, not to the baseline's value.
  nlohmann::json broken = current();
  broken["metrics"]["add-v0/rtrl/rel_bias"] = 1e-9;
  base = broken;
  v = tca::check_quality(broken, base).violations;
  ASSERT_EQ(v.size(), 1u) << joined(v);
  EXPECT_NE(v[0].find("exceeds the bound"), std::string::npos) << v[0];
  EXPECT_EQ(tca::quality_bound_violations(broken).size(), 1u);
  EXPECT_TRUE(tca::quality_bound_violations(current()).empty());
  base = current();
  base["metrics"]["add-v0/rtrl/rel_bias"] = 3e-11;  // any value below the bound will do
  EXPECT_TRUE(tca::check_quality(current(), base).violations.empty());

  EXPECT_THROW(tca::check_quality(current(), nlohmann::json::object()), std::invalid_argument);
}

TEST(QualityGate, CommandLine) {
  const std::string written = testing::TempDir() + "tca_quality_written_" + std::to_string(getpid()) + ".json";
  const CommandResult w = run_tcabench("quality --write --baseline " + written);
  ASSERT_EQ(w.status, 0) << w.output;
  nlohmann::json base;
  {
    std::ifstream in(written);
    base = nlohmann::json::parse(in);
  }
  EXPECT_EQ(base["metrics"], current()["metrics"]);
  base["metrics"]["add-v0/uoro/rel_variance"] = base["metrics"]["add-v0/uoro/rel_variance"].get<double>() * 1.01;
  const std::string perturbed = testing::TempDir() + "tca_quality_perturbed_" + std::to_string(getpid()) + ".json";
  std::ofstream(perturbed) << base.dump(1);
  const CommandResult r = run_tcabench("quality --baseline " + perturbed);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("1 violation"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  add-v0/uoro/rel_variance"), std::string::npos) << r.output;

  const CommandResult missing = run_tcabench("quality --baseline /nonexistent/quality.json");
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("/nonexistent/quality.json"), std::string::npos) << missing.output;
  std::remove(written.c_str());
  std::remove(perturbed.c_str());
}

}  // namespace
