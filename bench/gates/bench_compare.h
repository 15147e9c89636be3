// The performance-regression gate over Google Benchmark JSON (tcabench bench-compare).
//
// For every benchmark present in both files, the per-repetition real times (run_type
// "iteration"; aggregates are ignored) of the base and the new run are compared with a
// two-sided Mann-Whitney U test and by the ratio of their medians, new / base. A benchmark
// regressed when the shift is both significant (p < alpha) and large (ratio > 1 + threshold);
// it improved when p < alpha and ratio < 1 - threshold (as asv decides). Timings from
// different devices are not comparable: the files must name the same device, unless the
// caller allows a mismatch, in which case each new time is divided by the machines' speed
// factor (the median over benchmarks of the median ratios) so that only benchmarks that moved
// relative to the others can be flagged, at a threshold of its own if the caller gives one.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace tca {

// ---- the two-sided Mann-Whitney U test ---------------------------------------------------
enum class UTestMethod {
  automatic,  // exact without ties when both samples have at most 50 values, else normal
  exact,      // the exact null distribution of U (no ties allowed)
  normal,     // normal approximation with tie and continuity correction
};

struct UTest {
  double u = 0;  // U of the first sample: pairs (x_i, y_j) with x_i > y_j, ties counting 1/2
  double p = 1;  // two-sided p-value, at most 1
  bool exact = false;
};

// Throws std::invalid_argument on an empty sample, a non-finite value, or exact with ties.
UTest mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y,
                     UTestMethod method = UTestMethod::automatic);

// ---- Google Benchmark JSON ---------------------------------------------------------------
struct BenchmarkRun {
  std::string path;
  nlohmann::json context;
  std::string device;  // what the timings are a property of (benchmark_device)
  // Per-repetition real times in nanoseconds, by benchmark name, in file order of names.
  std::vector<std::string> names;
  std::map<std::string, std::vector<double>> times_ns;
  std::map<std::string, std::string> errors;  // benchmarks that reported an error: message
};

// The device a run measured: the context's "tca_device" (written by tcabench_micro and
// tcabench_gpu_bench), else Google Benchmark's own host_name, num_cpus and mhz_per_cpu.
std::string benchmark_device(const nlohmann::json& context);

// Reads a Google Benchmark JSON file. Throws std::invalid_argument naming the file when it
// cannot be read, is not benchmark JSON, or holds no per-repetition entries (for example a
// run made with --benchmark_report_aggregates_only).
BenchmarkRun read_benchmark_run(const std::string& path);
BenchmarkRun parse_benchmark_run(const nlohmann::json& data, const std::string& path);

// ---- the comparison ----------------------------------------------------------------------
struct CompareOptions {
  double threshold = 0.10;       // relative change of the median that counts
  double alpha = 0.05;           // significance level of the U test
  int min_repetitions = 9;       // repetitions each side must have
  bool allow_device_mismatch = false;
  // The threshold when the devices differ (0: threshold). One speed factor cannot describe two
  // CPUs whose caches and memory differ: benchmarks bound by different units move relative to
  // each other with no change in the code.
  double mismatch_threshold = 0;
};

enum class Verdict { unchanged, regression, improvement };
const char* to_string(Verdict v);

struct ComparedBenchmark {
  std::string name;
  int base_repetitions = 0, new_repetitions = 0;
  double base_median_ns = 0, new_median_ns = 0;  // new: as measured, before any speed factor
  double ratio = 1;                              // new / base median, divided by the speed factor
  UTest test;
  Verdict verdict = Verdict::unchanged;
};

struct Comparison {
  CompareOptions options;
  std::string base_path, new_path, base_device, new_device;
  bool device_mismatch = false;
  double speed_factor = 1;  // 1 unless the devices differ (then: median of the median ratios)
  double threshold = 0;     // the one applied: options.threshold, or mismatch_threshold across devices
  std::vector<ComparedBenchmark> rows;
  std::vector<std::string> only_in_base, only_in_new;
  std::map<std::string, std::string> not_compared;  // name: why (an error in either run)
  int count(Verdict v) const;
};

// Throws std::invalid_argument on bad options, a device mismatch that is not allowed, a
// benchmark with fewer repetitions than required, or no benchmark in common.
Comparison compare_benchmark_runs(const BenchmarkRun& base, const BenchmarkRun& now,
                                  const CompareOptions& options);

std::string comparison_table(const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);

}  // namespace tca
