// Internal: the factory of every learning rule, each defined in algorithms/<id>.cpp and listed
// by algorithms/registry.cpp. Adding a rule means one declaration pair here and one registry line.
#pragma once

#include <memory>

#include "algorithms/algorithm.h"

namespace tca {

using RuleFactory = std::unique_ptr<Algorithm> (*)(const RateRnnConfig&, DType, Device, const Params&);

const AlgorithmInfo& bptt_info();
std::unique_ptr<Algorithm> make_bptt(const RateRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& rtrl_info();
std::unique_ptr<Algorithm> make_rtrl(const RateRnnConfig&, DType, Device, const Params&);
// ---- deterministic approximate rules ----
const AlgorithmInfo& rflo_info();
std::unique_ptr<Algorithm> make_rflo(const RateRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& eprop_info();
std::unique_ptr<Algorithm> make_eprop(const RateRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& snap1_info();
std::unique_ptr<Algorithm> make_snap1(const RateRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& tbptt_info();
std::unique_ptr<Algorithm> make_tbptt(const RateRnnConfig&, DType, Device, const Params&);
// ---- unbiased stochastic rules (uoro, kf_rtrl, rkf_rtrl) ----
const AlgorithmInfo& uoro_info();
std::unique_ptr<Algorithm> make_uoro(const RateRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& kf_rtrl_info();
std::unique_ptr<Algorithm> make_kf_rtrl(const RateRnnConfig&, DType, Device, const Params&);
const AlgorithmInfo& rkf_rtrl_info();
std::unique_ptr<Algorithm> make_rkf_rtrl(const RateRnnConfig&, DType, Device, const Params&);

}  // namespace tca
