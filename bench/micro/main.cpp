// main() of tcabench_micro: Google Benchmark with the build's commit, BLAS and device in the
// context. tca_device names what the timings are a property of (the CPU and the threads OpenBLAS
// runs on); tcabench bench-compare refuses to compare runs whose devices differ.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <string>

#include "bench/report/report.h"

namespace tca {
void register_rule_benchmarks();  // bench/micro/rules.cpp
}

int main(int argc, char** argv) {
  tca::register_rule_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("git_commit", tca::git_commit());
  benchmark::AddCustomContext("blas", openblas_get_config());
  benchmark::AddCustomContext("blas_threads", std::to_string(openblas_get_num_threads()));
  benchmark::AddCustomContext("tca_device", tca::cpu_device(openblas_get_num_threads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
