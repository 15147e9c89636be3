// Independent seeds derived from one run seed (the splitmix64 finaliser), so the noise of
// stochastic rules, training batches, validation and test batches never share draws.
#pragma once

#include <cstdint>

namespace tca {

enum class SeedPurpose : uint64_t { noise = 1, training = 2, data_floor = 3, validation = 4, test = 5, alignment = 6,
                                    confirmation = 7, curvature = 8, adaptation = 9 };

inline uint64_t derived_seed(uint64_t seed, SeedPurpose purpose, uint64_t index) {
  uint64_t z = seed ^ (static_cast<uint64_t>(purpose) << 56);
  z += 0x9e3779b97f4a7c15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace tca
