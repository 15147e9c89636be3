// tcabench bench-compare and tcabench quality: the performance- and gradient-quality gates.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "bench/cli/command.h"
#include "bench/cli/command_line.h"
#include "bench/cli/options.h"
#include "bench/gates/bench_compare.h"
#include "bench/gates/quality.h"
#include "bench/report/json_io.h"
#include "bench/report/report.h"

namespace tca::cli {
namespace {

class BenchCompareCommand final : public Command {
 public:
  explicit BenchCompareCommand(CLI::App& app)
      : command_(app, "bench-compare",
        "Performance-regression gate over two Google Benchmark JSON files (per-repetition results). "
        "A benchmark regressed when a two-sided Mann-Whitney U test is significant (p < alpha) and "
        "the median ratio new/base exceeds 1 + threshold. Exit status: 1 if any benchmark regressed, "
        "0 otherwise, 2 on bad input (including runs of different devices)") {
    command_.required("BASE", base_, "Baseline JSON (e.g. results/baselines/cpu/micro.json)");
    command_.required("NEW", new_, "New JSON of the same benchmarks on the same device");
    command_.option("--threshold", options_.threshold, "Relative change of the median that counts, in (0, 1)");
    command_.option("--alpha", options_.alpha, "Significance level of the U test, in (0, 1)");
    command_.option("--min-repetitions", options_.min_repetitions,
                         "Repetitions each benchmark must have in both files (--benchmark_repetitions)");
    command_.flag("--allow-device-mismatch", options_.allow_device_mismatch,
                       "Compare runs of different devices (context tca_device): new times are then divided "
                       "by the machines' speed factor, the median of the median ratios, so only benchmarks "
                       "that moved relative to the others can be flagged");
    command_.option("--mismatch-threshold", options_.mismatch_threshold,
                    "With --allow-device-mismatch, the threshold when the devices differ, in (0, 1) "
                    "(0: --threshold): benchmarks bound by caches or memory move relative to compute-bound "
                    "ones from one CPU to another");
    command_.text("--json", json_, "Also write the comparison as JSON to this file (-: the standard output, the table then goes to the standard error)");
  }
  std::vector<std::string> names() const override { return {"bench-compare"}; }
  bool parsed() const override { return command_.parsed(); }
  int run() override {
    check_output_file(command_, "--json", json_);
    const BenchmarkRun base = read_benchmark_run(base_);
    const BenchmarkRun now = read_benchmark_run(new_);
    const Comparison comparison = compare_benchmark_runs(base, now, options_);
    if (!json_.empty()) write_output(json_, comparison_json(comparison).dump(2) + "\n");
    table_stream({json_}) << comparison_table(comparison) << std::flush;
    return comparison.count(Verdict::regression) > 0 ? 1 : 0;
  }

 private:
  CommandLine command_;
  CompareOptions options_;
  std::string base_, new_, json_;
};

// tcabench quality: 0 when every metric holds, 1 on a violation.
int run_quality(const CommandLine& command, const std::string& baseline_path, bool write) {
  // Check the baseline before minutes of computing: readable JSON to check against, or a place
  // to write one.
  if (baseline_path.empty()) throw std::invalid_argument("--baseline: an empty path");
  nlohmann::json baseline;
  if (write) check_output_file(command, "--baseline", baseline_path);
  else baseline = read_json_file(baseline_path);
  const nlohmann::json current = quality_metrics();
  if (write) {
    const std::vector<std::string> bad = quality_bound_violations(current);
    if (!bad.empty()) {
      std::cout << "quality: not writing a baseline with exact rules out of bounds:\n";
      for (const std::string& v : bad) std::cout << "  " << v << '\n';
      return 1;
    }
    write_file_atomically(baseline_path, current.dump(2) + "\n");
    std::cout << "quality: wrote " << current["metrics"].size() << " metrics to " << baseline_path << '\n';
    return 0;
  }
  const QualityReport report = check_quality(current, baseline);
  std::cout << "quality baseline: " << baseline_path << '\n' << quality_table(report) << std::flush;
  return report.violations.empty() ? 0 : 1;
}

class QualityCommand final : public Command {
 public:
  explicit QualityCommand(CLI::App& app)
      : command_(app, "quality",
        "Gradient-quality gate: every rule of every network against exact BPTT in double on fixed seeds "
        "(dnms-v0, add-v0), compared with the baseline; exact rules must stay below a relative error of 1e-10, "
        "other metrics within 1e-6 relative of the baseline. Exit status 1 on a violation") {
    command_.option("--baseline", baseline_, "Baseline file");
    command_.flag("--write", write_,
                       "Write the metrics as the new baseline instead of checking them (refused when an "
                       "exact rule is above its bound)");
  }
  std::vector<std::string> names() const override { return {"quality"}; }
  bool parsed() const override { return command_.parsed(); }
  int run() override { return run_quality(command_, baseline_, write_); }

 private:
  CommandLine command_;
  std::string baseline_ = "results/baselines/quality.json";
  bool write_ = false;
};

}  // namespace

std::unique_ptr<Command> bench_compare_command(CLI::App& app) { return std::make_unique<BenchCompareCommand>(app); }
std::unique_ptr<Command> quality_command(CLI::App& app) { return std::make_unique<QualityCommand>(app); }

}  // namespace tca::cli
