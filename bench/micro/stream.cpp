// BM_StateStream/KiB:s: the byte floor of a rule's step on the CPU. Passes that read and write
// s KiB of floats in place (ops::scale), as the trace rules read and write their state once per
// step. bytes_per_second counts both directions (2 s KiB per pass), so a rule whose state is
// s KiB steps no faster than 2 s KiB at that rate (bench/micro/speedup_table.py's byte floor).
// The sizes run from inside the L1 cache to beyond the L2 and L3 caches, where the rate drops to
// what the memory delivers.
#include <benchmark/benchmark.h>

#include "kernels/ops.h"

namespace tca {
namespace {

void BM_StateStream(benchmark::State& state) {
  const int64_t kib = state.range(0);
  Tensor x({kib * 1024 / 4}, DType::f32);
  ops::fill(x, 1.0);
  // By 2, then back by 1/2: the values stay 1 and 2, never subnormal.
  for (auto _ : state) {
    ops::scale(x, 2.0);
    ops::scale(x, 0.5);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 2 * 2 * kib * 1024);  // two passes, each reads and writes
}
BENCHMARK(BM_StateStream)->ArgName("KiB")->RangeMultiplier(2)->Range(16, 32768)->UseRealTime();

}  // namespace
}  // namespace tca
