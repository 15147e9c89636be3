// Internal: the factories of the learning rules on the spiking network, each defined in
// algorithms/lif_<rule>.cpp and listed by algorithms/lif_registry.cpp.
#pragma once

#include <memory>

#include "algorithms/lif_algorithm.h"

namespace tca {

using LifRuleFactory = std::unique_ptr<LifAlgorithm> (*)(const LifRnnConfig&, DType, Device, const Params&);

const AlgorithmInfo& lif_bptt_info();
std::unique_ptr<LifAlgorithm> make_lif_bptt(const LifRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& lif_rtrl_info();
std::unique_ptr<LifAlgorithm> make_lif_rtrl(const LifRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& lif_eprop_info();
std::unique_ptr<LifAlgorithm> make_lif_eprop(const LifRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& lif_eprop_random_info();
std::unique_ptr<LifAlgorithm> make_lif_eprop_random(const LifRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& lif_eprop_adaptive_info();
std::unique_ptr<LifAlgorithm> make_lif_eprop_adaptive(const LifRnnConfig&, DType, Device, const Params&);

}  // namespace tca
