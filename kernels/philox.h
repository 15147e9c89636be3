// Counter-based random numbers (Random123 Philox4x32-10) keyed by (seed, stream, step).
//
// Every random draw in tcabench comes from here. A draw is a pure function of
// (seed, stream, step, index), so a run is reproducible bit for bit and the CUDA backend
// can draw the very same numbers (Random123's philox.h compiles under nvcc as well).
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace tca {

// Stream ids: one per consumer, so draws of different consumers never collide.
enum class RandomStream : uint32_t {
  parameters = 1,  // model initialisation
  task = 2,        // task generators
  algorithm = 3,   // stochastic learning rules (noise vectors)
  feedback = 4,    // fixed random feedback matrices (RFLO, e-prop)
};

class Philox {
 public:
  using Engine = r123::Philox4x32;

  Philox(uint64_t seed, uint32_t stream, uint64_t step) {
    key_ = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
    counter_ = {{0, static_cast<uint32_t>(step), static_cast<uint32_t>(step >> 32), stream}};
  }
  Philox(uint64_t seed, RandomStream stream, uint64_t step)
      : Philox(seed, static_cast<uint32_t>(stream), step) {}

  // Next raw 32-bit word. Four words come from each block; counter_[0] numbers the blocks.
  uint32_t next_u32() {
    if (used_ == 4) {
      block_ = engine_(counter_, key_);
      ++counter_[0];
      used_ = 0;
    }
    return block_[used_++];
  }
  // Uniform in (0, 1): never 0, so log() is safe. 53 random bits.
  double uniform() {
    const uint64_t hi = next_u32() >> 5;  // 27 bits
    const uint64_t lo = next_u32() >> 6;  // 26 bits
    return (static_cast<double>((hi << 26) | lo) + 0.5) * (1.0 / 9007199254740992.0);
  }
  // Standard normal, Box-Muller (one value per call; the partner is discarded for simplicity).
  double normal() {
    const double u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Block `index` of the stream (the four words next_u32 returns as calls 4 index .. 4 index + 3
  // of a fresh generator), without state: loops can compute blocks independently.
  Engine::ctr_type block(uint32_t index) const {
    Engine::ctr_type counter = counter_;
    counter[0] = index;
    return engine_(counter, key_);
  }
  // +1 or -1 with probability 1/2 each.
  double rademacher() { return (next_u32() & 1u) ? 1.0 : -1.0; }
  // Uniform integer in [0, n), n > 0 (rejection sampling: no modulo bias).
  uint32_t below(uint32_t n) {
    const uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    uint32_t r;
    do {
      r = next_u32();
    } while (r >= limit);
    return r % n;
  }
  bool bernoulli(double p) { return uniform() < p; }

 private:
  Engine engine_;
  Engine::ctr_type counter_;
  Engine::key_type key_;
  Engine::ctr_type block_{};
  int used_ = 4;
};

}  // namespace tca
