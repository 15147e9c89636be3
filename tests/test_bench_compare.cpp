// The performance-regression gate: the Mann-Whitney U test against published p-values and a
// brute-force enumeration, and tcabench bench-compare on synthetic Google Benchmark JSON
// (an injected 30% slowdown must fail, a re-run with noise must pass, bad input exits 2).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "bench/gates/bench_compare.h"
#include "kernels/philox.h"
#include "test_util.h"

namespace {

using tca::UTestMethod;
using tca::test::CommandResult;
using tca::test::run_tcabench;

// ---- Mann-Whitney U ----------------------------------------------------------------------

// scipy.stats.mannwhitneyu documentation example (ages of male and female students): U = 17,
// exact two-sided p = 0.1111111111111111, asymptotic p = 0.11134688653314041.
TEST(MannWhitney, ScipyDocumentationExample) {
  const std::vector<double> males = {19, 22, 16, 29, 24}, females = {20, 11, 17, 12};
  const tca::UTest exact = tca::mann_whitney_u(males, females, UTestMethod::exact);
  EXPECT_EQ(exact.u, 17.0);
  EXPECT_NEAR(exact.p, 0.1111111111111111, 1e-14);
  EXPECT_TRUE(exact.exact);
  const tca::UTest normal = tca::mann_whitney_u(males, females, UTestMethod::normal);
  EXPECT_EQ(normal.u, 17.0);
  EXPECT_NEAR(normal.p, 0.11134688653314041, 1e-12);
  EXPECT_FALSE(normal.exact);
  EXPECT_TRUE(tca::mann_whitney_u(males, females).exact);  // small and without ties
}

// R's ?wilcox.test example (Hollander & Wolfe 1973, p. 69): W = 35, one-sided exact
// p = 0.1272, so two-sided 0.2544 (enumeration of all 3003 splits: 382 reach |U - 25| >= 10).
TEST(MannWhitney, RDocumentationExample) {
  const std::vector<double> x = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
  const std::vector<double> y = {1.15, 0.88, 0.90, 0.74, 1.21};
  const tca::UTest r = tca::mann_whitney_u(x, y);
  EXPECT_EQ(r.u, 35.0);
  EXPECT_NEAR(r.p, 382.0 / 3003.0 * 2, 1e-14);
  EXPECT_NEAR(r.p, 0.2544, 5e-5);
}

// Nine against nine, fully separated: only 2 of the C(18, 9) = 48620 splits are as extreme.
TEST(MannWhitney, SeparatedSamplesOfNine) {
  std::vector<double> x(9), y(9);
  std::iota(x.begin(), x.end(), 1.0);
  std::iota(y.begin(), y.end(), 100.0);
  const tca::UTest r = tca::mann_whitney_u(y, x);
  EXPECT_EQ(r.u, 81.0);
  EXPECT_NEAR(r.p, 2.0 / 48620.0, 1e-18);
  EXPECT_EQ(tca::mann_whitney_u(x, y).p, r.p);  // two-sided: symmetric
  EXPECT_EQ(tca::mann_whitney_u(x, y).u, 0.0);
}

// The exact p-value against a brute-force count over every split of the pooled values.
TEST(MannWhitney, ExactMatchesEnumeration) {
  for (const auto& [m, n] : std::vector<std::pair<int, int>>{{3, 3}, {4, 7}, {6, 6}, {7, 5}}) {
    const std::vector<double> values = tca::test::random_values(static_cast<size_t>(m + n), 17u + m * 31 + n);
    const std::vector<double> x(values.begin(), values.begin() + m), y(values.begin() + m, values.end());
    const tca::UTest r = tca::mann_whitney_u(x, y, UTestMethod::exact);
    auto u_of = [&](unsigned mask) {
      double u = 0;
      for (int i = 0; i < m + n; ++i)
        for (int j = 0; j < m + n; ++j)
          if ((mask >> i & 1u) && !(mask >> j & 1u) && values[i] > values[j]) u += 1;
      return u;
    };
    const double extreme = std::max(r.u, m * n - r.u);
    int hits = 0, splits = 0;
    for (unsigned mask = 0; mask < (1u << (m + n)); ++mask) {
      if (__builtin_popcount(mask) != m) continue;
      ++splits;
      const double u = u_of(mask);
      if (std::max(u, m * n - u) >= extreme) ++hits;
    }
    EXPECT_EQ(r.u, u_of((1u << m) - 1)) << m << "x" << n;
    EXPECT_NEAR(r.p, std::min(1.0, static_cast<double>(hits) / splits), 1e-13) << m << "x" << n;
  }
}

// Ties, worked by hand: pooled 1 | 2 2 2 | 3 3 | 4 | 5 5 has midranks 1, 3, 5.5, 7, 8.5;
// R_x = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 10 = 2.5; tie term 24 + 6 + 6 = 36;
// sigma^2 = 20/12 (10 - 36/72) = 15.8333; z = (7.5 - 0.5) / 3.97911 = 1.759186;
// p = 2 (1 - Phi(z)) = 0.0785459 (what scipy's asymptotic method computes).
TEST(MannWhitney, TiesUseTheCorrectedNormalApproximation) {
  const std::vector<double> x = {1, 2, 2, 3}, y = {2, 3, 4, 5, 5};
  const tca::UTest r = tca::mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.u, 2.5);
  EXPECT_NEAR(r.p, 0.0785458509511907, 1e-12);
  EXPECT_THROW(tca::mann_whitney_u(x, y, UTestMethod::exact), std::invalid_argument);
}

TEST(MannWhitney, DegenerateAndBadInput) {
  const std::vector<double> same = {5, 5, 5, 5};
  EXPECT_EQ(tca::mann_whitney_u(same, same).p, 1.0);  // all values tied
  const std::vector<double> x = {1, 2, 3, 4, 5};
  EXPECT_EQ(tca::mann_whitney_u(x, x).p, 1.0);  // identical samples
  EXPECT_THROW(tca::mann_whitney_u({}, x), std::invalid_argument);
  EXPECT_THROW(tca::mann_whitney_u(x, {1, std::nan("")}), std::invalid_argument);
  // Large samples use the normal approximation; p stays in (0, 1].
  std::vector<double> big(60);
  std::iota(big.begin(), big.end(), 0.0);
  std::vector<double> shifted = big;
  for (double& v : shifted) v += 0.5;
  const tca::UTest r = tca::mann_whitney_u(big, shifted);
  EXPECT_FALSE(r.exact);
  EXPECT_GT(r.p, 0.5);
  EXPECT_LE(r.p, 1.0);
}

// ---- synthetic Google Benchmark JSON -----------------------------------------------------

struct Synthetic {
  std::string device = "cpu: Test CPU, 2 threads";
  int repetitions = 9;
  double noise = 0.03;       // multiplicative jitter, uniform in +-noise
  uint64_t seed = 1;         // of the jitter: another seed is a re-run
  std::string unit = "us";
  std::vector<std::pair<std::string, double>> benchmarks = {
      {"BM_A/n:32/real_time", 50.0}, {"BM_B/n:32/real_time", 120.0}, {"BM_C/n:64/real_time", 800.0},
      {"BM_D/n:64/real_time", 3000.0}};
  double aggregate_scale = 1.0;  // aggregates' times times this (they must be ignored)
  bool with_iterations = true;
};

nlohmann::json synthetic_json(const Synthetic& s) {
  nlohmann::json benchmarks = nlohmann::json::array();
  tca::Philox rng(s.seed, 7u, 0);
  int family = 0;
  for (const auto& [name, time] : s.benchmarks) {
    std::vector<double> times;
    for (int r = 0; r < s.repetitions; ++r) times.push_back(time * (1 + s.noise * (2 * rng.uniform() - 1)));
    if (s.with_iterations)
      for (int r = 0; r < s.repetitions; ++r)
        benchmarks.push_back({{"name", name}, {"family_index", family}, {"run_name", name},
                              {"run_type", "iteration"}, {"repetitions", s.repetitions},
                              {"repetition_index", r}, {"threads", 1}, {"iterations", 1000},
                              {"real_time", times[r]}, {"cpu_time", times[r]}, {"time_unit", s.unit}});
    for (const char* aggregate : {"mean", "median", "stddev"})
      benchmarks.push_back({{"name", name + "_" + aggregate}, {"family_index", family}, {"run_name", name},
                            {"run_type", "aggregate"}, {"repetitions", s.repetitions},
                            {"aggregate_name", aggregate}, {"iterations", s.repetitions},
                            {"real_time", time * s.aggregate_scale}, {"cpu_time", time}, {"time_unit", s.unit}});
    ++family;
  }
  return {{"context", {{"host_name", "testhost"}, {"num_cpus", 2}, {"mhz_per_cpu", 2445}, {"tca_device", s.device}}},
          {"benchmarks", benchmarks}};
}

// A temporary file of this process and test: ctest runs tests in parallel processes.
std::string temp_path(const std::string& name) {
  return testing::TempDir() + "tca_bench_compare_" + std::to_string(getpid()) + "_" +
         testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + name + ".json";
}

std::vector<std::string>& written_files() {
  static std::vector<std::string> files;
  return files;
}

std::string write_json(const std::string& name, const nlohmann::json& j) {
  const std::string path = temp_path(name);
  written_files().push_back(path);
  std::ofstream(path) << j.dump(1);
  return path;
}
std::string write_synthetic(const std::string& name, const Synthetic& s) { return write_json(name, synthetic_json(s)); }

Synthetic scaled(Synthetic s, double factor, uint64_t seed, const std::string& only = "") {
  s.seed = seed;
  for (auto& [name, time] : s.benchmarks)
    if (only.empty() || name == only) time *= factor;
  return s;
}

CommandResult compare(const std::string& base, const std::string& now, const std::string& extra = "") {
  return run_tcabench("bench-compare " + base + " " + now + (extra.empty() ? "" : " " + extra));
}

size_t occurrences(const std::string& text, const std::string& word) {
  size_t count = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++count;
  return count;
}

// Removes the files a test wrote.
class BenchCompare : public testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : written_files()) std::remove(path.c_str());
    written_files().clear();
  }
};

TEST_F(BenchCompare, InjectedSlowdownFails) {
  const Synthetic base;
  const std::string base_path = write_synthetic("base", base);
  const CommandResult all = compare(base_path, write_synthetic("slow_all", scaled(base, 1.3, 2)));
  EXPECT_EQ(all.status, 1) << all.output;
  EXPECT_EQ(occurrences(all.output, "REGRESSION"), base.benchmarks.size()) << all.output;
  EXPECT_NE(all.output.find("4 regressed"), std::string::npos) << all.output;

  const CommandResult one = compare(base_path, write_synthetic("slow_one", scaled(base, 1.3, 2, "BM_C/n:64/real_time")));
  EXPECT_EQ(one.status, 1) << one.output;
  EXPECT_EQ(occurrences(one.output, "REGRESSION"), 1u) << one.output;
  const size_t line = one.output.find("BM_C/n:64/real_time");
  ASSERT_NE(line, std::string::npos);
  EXPECT_NE(one.output.substr(line, one.output.find('\n', line) - line).find("REGRESSION"), std::string::npos)
      << one.output;
}

TEST_F(BenchCompare, SameRunAndNoisyRerunPass) {
  const Synthetic base;
  const std::string base_path = write_synthetic("base", base);
  const CommandResult self = compare(base_path, base_path);
  EXPECT_EQ(self.status, 0) << self.output;
  EXPECT_NE(self.output.find("4 unchanged"), std::string::npos) << self.output;
  const CommandResult rerun = compare(base_path, write_synthetic("rerun", scaled(base, 1.0, 3)));
  EXPECT_EQ(rerun.status, 0) << rerun.output;
  EXPECT_EQ(rerun.output.find("REGRESSION"), std::string::npos) << rerun.output;
  // 5% slower everywhere: significant, but below the default 10% threshold...
  const CommandResult small = compare(base_path, write_synthetic("slow5", scaled(base, 1.05, 4)));
  EXPECT_EQ(small.status, 0) << small.output;
  // ...and above a 3% one.
  EXPECT_EQ(compare(base_path, write_synthetic("slow5", scaled(base, 1.05, 4)), "--threshold 0.03").status, 1);
  // A 30% shift that is not significant (p >= alpha) is no regression: with alpha tiny.
  EXPECT_EQ(compare(base_path, write_synthetic("slow_all", scaled(base, 1.3, 2)), "--alpha 1e-6").status, 0);
}

TEST_F(BenchCompare, ImprovementPasses) {
  const Synthetic base;
  const CommandResult r = compare(write_synthetic("base", base), write_synthetic("fast", scaled(base, 0.7, 5)));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(occurrences(r.output, "improvement"), base.benchmarks.size() + 1) << r.output;  // + the legend
}

TEST_F(BenchCompare, ReadsRepetitionsOnly) {
  Synthetic s;
  s.aggregate_scale = 10;
  const nlohmann::json j = synthetic_json(s);
  const tca::BenchmarkRun run = tca::parse_benchmark_run(j, "synthetic");
  ASSERT_EQ(run.names.size(), s.benchmarks.size());
  EXPECT_EQ(run.device, s.device);
  for (size_t i = 0; i < s.benchmarks.size(); ++i) {
    EXPECT_EQ(run.names[i], s.benchmarks[i].first);
    const std::vector<double>& t = run.times_ns.at(s.benchmarks[i].first);
    ASSERT_EQ(t.size(), 9u);
    for (int r = 0; r < 9; ++r) EXPECT_EQ(t[r], j["benchmarks"][i * 12 + r]["real_time"].get<double>() * 1e3);
  }
}

TEST_F(BenchCompare, AggregatesAreIgnoredAndUnitsNormalised) {
  Synthetic base;
  const std::string base_path = write_synthetic("base", base);
  Synthetic lying = scaled(base, 1.0, 3);
  lying.aggregate_scale = 10;  // aggregates claim a tenfold slowdown
  EXPECT_EQ(compare(base_path, write_synthetic("lying", lying)).status, 0);
  Synthetic in_ns = scaled(base, 1.0, 3);
  in_ns.unit = "ns";
  for (auto& [name, time] : in_ns.benchmarks) time *= 1000;
  const CommandResult ns = compare(base_path, write_synthetic("in_ns", in_ns));
  EXPECT_EQ(ns.status, 0) << ns.output;
  EXPECT_NE(ns.output.find("4 unchanged"), std::string::npos) << ns.output;
  in_ns.unit = "ms";
  in_ns.benchmarks[0].second = 0.05 * 1.3;  // 50 us * 1.3, written in milliseconds
  for (size_t i = 1; i < in_ns.benchmarks.size(); ++i) in_ns.benchmarks[i].second = base.benchmarks[i].second * 1e-3;
  EXPECT_EQ(compare(base_path, write_synthetic("in_ms", in_ns)).status, 1);

  Synthetic aggregates_only = base;
  aggregates_only.with_iterations = false;
  const CommandResult only = compare(base_path, write_synthetic("aggregates_only", aggregates_only));
  EXPECT_EQ(only.status, 2) << only.output;
  EXPECT_NE(only.output.find("only aggregates"), std::string::npos) << only.output;
}

TEST_F(BenchCompare, TooFewRepetitionsAreRefused) {
  Synthetic base, few = scaled(Synthetic{}, 1.0, 3);
  few.repetitions = 8;
  const std::string base_path = write_synthetic("base", base), few_path = write_synthetic("few", few);
  const CommandResult r = compare(base_path, few_path);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(r.output.rfind("tcabench: error: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("8 in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("at least 9"), std::string::npos) << r.output;
  EXPECT_EQ(compare(base_path, few_path, "--min-repetitions 8").status, 0);
}

TEST_F(BenchCompare, DifferentDevicesAreRefused) {
  const Synthetic base;
  const std::string base_path = write_synthetic("base", base);
  Synthetic other = scaled(base, 2.0, 3);  // a machine half as fast
  other.device = "cpu: Other CPU, 4 threads";
  const std::string other_path = write_synthetic("other", other);
  const CommandResult r = compare(base_path, other_path);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("different devices"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Other CPU"), std::string::npos) << r.output;
  // Allowed: times are normalised by the speed factor; a uniform factor is no regression...
  const std::string out = temp_path("allowed_report");
  const CommandResult allowed = compare(base_path, other_path, "--allow-device-mismatch --json " + out);
  EXPECT_EQ(allowed.status, 0) << allowed.output;
  EXPECT_NE(allowed.output.find("speed factor"), std::string::npos) << allowed.output;
  std::ifstream in(out);
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_TRUE(report["device_mismatch"].get<bool>());
  EXPECT_NEAR(report["speed_factor"].get<double>(), 2.0, 0.05);
  for (const nlohmann::json& b : report["benchmarks"]) EXPECT_NEAR(b["ratio"].get<double>(), 1.0, 0.05);
  std::remove(out.c_str());
  // ...but one benchmark 30% slower than the rest is.
  Synthetic other_slow = scaled(other, 1.3, 4, "BM_B/n:32/real_time");
  const CommandResult relative = compare(base_path, write_synthetic("other_slow", other_slow), "--allow-device-mismatch");
  EXPECT_EQ(relative.status, 1) << relative.output;
  EXPECT_EQ(occurrences(relative.output, "REGRESSION"), 1u) << relative.output;
  // Across devices the gate may use a threshold of its own: 1.6x relative to the rest fails at
  // 0.5 and passes at 0.9, 2.5x fails at both; on one device --mismatch-threshold changes nothing.
  const std::string moved = write_synthetic("other_moved", scaled(other, 1.6, 4, "BM_B/n:32/real_time"));
  EXPECT_EQ(compare(base_path, moved, "--allow-device-mismatch --threshold 0.5").status, 1);
  const CommandResult wide = compare(base_path, moved, "--allow-device-mismatch --threshold 0.5 --mismatch-threshold 0.9");
  EXPECT_EQ(wide.status, 0) << wide.output;
  EXPECT_NE(wide.output.find("ratio > 1.900"), std::string::npos) << wide.output;
  const std::string far = write_synthetic("other_far", scaled(other, 2.5, 4, "BM_B/n:32/real_time"));
  EXPECT_EQ(compare(base_path, far, "--allow-device-mismatch --threshold 0.5 --mismatch-threshold 0.9").status, 1);
  const std::string same_slow = write_synthetic("same_slow", scaled(base, 1.6, 4, "BM_B/n:32/real_time"));
  EXPECT_EQ(compare(base_path, same_slow, "--threshold 0.5 --mismatch-threshold 0.9").status, 1);
  const CommandResult bad = compare(base_path, moved, "--allow-device-mismatch --mismatch-threshold 1.5");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--mismatch-threshold must lie in (0, 1)"), std::string::npos) << bad.output;

  // Without tca_device the host name, CPU count and clock identify the device.
  nlohmann::json a = synthetic_json(base), b = synthetic_json(scaled(base, 1.0, 3));
  a["context"].erase("tca_device");
  b["context"].erase("tca_device");
  EXPECT_EQ(compare(write_json("plain_a", a), write_json("plain_b", b)).status, 0);
  b["context"]["host_name"] = "elsewhere";
  const CommandResult host = compare(write_json("plain_a", a), write_json("plain_b", b));
  EXPECT_EQ(host.status, 2) << host.output;
  EXPECT_NE(host.output.find("elsewhere"), std::string::npos) << host.output;
}

TEST_F(BenchCompare, BenchmarksInOneFileAreListed) {
  Synthetic base, more = scaled(Synthetic{}, 1.0, 3);
  more.benchmarks.push_back({"BM_New/n:32/real_time", 10.0});
  base.benchmarks.push_back({"BM_Gone/n:32/real_time", 10.0});
  const CommandResult r = compare(write_synthetic("base_gone", base), write_synthetic("more", more));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("only in new: BM_New/n:32/real_time"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("only in base: BM_Gone/n:32/real_time"), std::string::npos) << r.output;
}

TEST_F(BenchCompare, ErroredBenchmarksAreNotCompared) {
  const Synthetic base;
  nlohmann::json now = synthetic_json(scaled(base, 1.0, 3));
  for (nlohmann::json& b : now["benchmarks"])
    if (b["run_name"] == "BM_D/n:64/real_time") {
      b["error_occurred"] = true;
      b["error_message"] = "state does not fit";
      b["real_time"] = 0;
    }
  const CommandResult r = compare(write_synthetic("base", base), write_json("errored", now));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("not compared: BM_D/n:64/real_time (new: state does not fit)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("3 compared"), std::string::npos) << r.output;
}

TEST_F(BenchCompare, JsonReport) {
  const Synthetic base;
  const std::string out = temp_path("report");
  const CommandResult r =
      compare(write_synthetic("base", base), write_synthetic("slow_one", scaled(base, 1.3, 2, "BM_A/n:32/real_time")),
              "--json " + out);
  ASSERT_EQ(r.status, 1) << r.output;
  std::ifstream in(out);
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["regressions"], 1);
  ASSERT_EQ(report["benchmarks"].size(), 4u);
  const nlohmann::json& a = report["benchmarks"][0];
  EXPECT_EQ(a["name"], "BM_A/n:32/real_time");
  EXPECT_EQ(a["verdict"], "REGRESSION");
  EXPECT_NEAR(a["ratio"].get<double>(), 1.3, 0.1);
  EXPECT_LT(a["p_value"].get<double>(), 1e-3);
  EXPECT_TRUE(a["p_exact"].get<bool>());
  std::remove(out.c_str());
}

TEST_F(BenchCompare, BadInputIsReportedClearly) {
  const std::string base_path = write_synthetic("base", Synthetic{});
  const std::string not_json = write_json("not_json", nlohmann::json::object());
  {
    std::ofstream(not_json) << "this is not json";
  }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {base_path + " /nonexistent/new.json", "/nonexistent/new.json"},
      {base_path + " " + not_json, "not JSON"},
      {base_path + " " + write_json("no_benchmarks", {{"context", nlohmann::json::object()}}), "not Google Benchmark"},
      {base_path + " " + base_path + " --threshold 0", "--threshold"},
      {base_path + " " + base_path + " --threshold 1.5", "--threshold"},
      {base_path + " " + base_path + " --alpha 0", "--alpha"},
      {base_path + " " + base_path + " --min-repetitions 1", "--min-repetitions"},
      {base_path, "NEW"},
  };
  for (const auto& [args, mention] : cases) {
    const CommandResult r = run_tcabench("bench-compare " + args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("tcabench: error: ", 0), 0u) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(mention), std::string::npos) << args << "\n" << r.output;
  }
}

#ifdef TCABENCH_MICRO_BINARY
// The real benchmark binary: its JSON names the device and bench-compare reads two runs of it.
// The verdict of two real runs depends on the machine's load, so only the plumbing is checked.
TEST_F(BenchCompare, RealMicrobenchmarkRuns) {
  std::string paths[2];
  for (int i = 0; i < 2; ++i) {
    paths[i] = temp_path("micro" + std::to_string(i));
    const std::string cmd = std::string(TCABENCH_MICRO_BINARY) +
                            " --benchmark_filter='BM_BpttWindow/n:32/|BM_RuleWindow/rflo/n:32/'"
                            " --benchmark_repetitions=9 --benchmark_min_time=0.002 --benchmark_out_format=json"
                            " --benchmark_out=" + paths[i] + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  std::ifstream in(paths[0]);
  const nlohmann::json run = nlohmann::json::parse(in);
  const std::string device = run["context"]["tca_device"].get<std::string>();
  EXPECT_EQ(device.rfind("cpu: ", 0), 0u) << device;
  EXPECT_NE(device.find(" thread"), std::string::npos) << device;
  const CommandResult r = compare(paths[0], paths[1]);
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r.output;
  EXPECT_NE(r.output.find("2 compared"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("BM_RuleWindow/rflo/n:32/real_time"), std::string::npos) << r.output;
  for (const std::string& p : paths) std::remove(p.c_str());
}
#endif

}  // namespace
