#include "algorithms/lif_mdgl.h"

#include <algorithm>

#include "algorithms/registry.h"
#include "kernels/ops.h"

namespace tca {

std::vector<double> mdgl_modulation_weights(const std::vector<double>& W, int n, int k, const std::vector<int>& types,
                                            MdglModulation modulation) {
  std::vector<double> Wmod(static_cast<size_t>(n) * n, 0.0);
  auto w = [&](int j, int p) { return W[static_cast<size_t>(j) * k + p]; };
  if (modulation == MdglModulation::synapse) {
    for (int j = 0; j < n; ++j)
      for (int p = 0; p < n; ++p) Wmod[static_cast<size_t>(j) * n + p] = w(j, p);
    return Wmod;
  }
  int n_types = 0;
  for (int t : types) n_types = std::max(n_types, t + 1);
  // Mean of the existing synapses (W_jp != 0; the diagonal is none) of each block type(p) -> type(j).
  std::vector<double> sum(static_cast<size_t>(n_types) * n_types, 0.0), count(sum.size(), 0.0);
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < n; ++p)
      if (w(j, p) != 0.0) {
        sum[static_cast<size_t>(types[j]) * n_types + types[p]] += w(j, p);
        count[static_cast<size_t>(types[j]) * n_types + types[p]] += 1.0;
      }
  for (int j = 0; j < n; ++j)
    for (int p = 0; p < n; ++p)
      if (w(j, p) != 0.0) {
        const size_t block = static_cast<size_t>(types[j]) * n_types + types[p];
        Wmod[static_cast<size_t>(j) * n + p] = sum[block] / count[block];
      }
  return Wmod;
}

std::map<std::string, std::string> LifMdgl::config() const { return lif_mdgl_params().text(mdgl_); }

void LifMdgl::reset_state(int batch_size, uint64_t /*noise_seed: deterministic rule*/) {
  const int n = config_.n();
  if (!gv_.defined() || gv_.dim(0) != batch_size)
    for (Tensor* t : {&gv_, &ga_, &gzf_, &secreted_, &M_}) *t = Tensor({batch_size, n}, dtype_, device_);
  record_.begin(batch_size);
  const std::vector<double> Wmod = mdgl_modulation_weights(params_->W.to_host(), n, config_.k(),
                                                           config_.cell_types(), mdgl_.modulation);
  Wmod_ = Tensor::from_host(Wmod, {n, n}, dtype_, device_);
}

void LifMdgl::accumulate(const LifStepState& s) { record_.record(s, dtype_, device_); }

void LifMdgl::finish_window(const Tensor& reg) {
  const int n = config_.n(), k = config_.k(), B = B_;
  const double kappa = config_.kappa();
  for (Tensor* t : {&gv_, &ga_, &gzf_}) ops::fill(*t, 0.0);
  const int T = record_.steps;
  for (int t = T - 1; t >= 0; --t) {
    const bool last = t == T - 1;
    if (!last) {  // gzf holds L(t+1): M(t) = (psi_{t+1} L(t+1)) Wmod
      ops::mul(secreted_, record_.psi[t + 1], gzf_, 1.0);
      ops::gemm(false, false, B, n, n, 1.0, secreted_, n, Wmod_, n, 0.0, M_, n);
    }
    ops::scale(gzf_, kappa);  // L(t) = c_t + kappa L(t+1)
    ops::axpy(1.0, record_.c[t], gzf_);
    ops::lif_backward_step(gv_, ga_, gzf_, last ? Tensor() : M_, reg, record_.psi[t], record_.beta,
                           config_.alpha(), config_.rho(), /*reset=*/0.0);
    ops::gemm(true, false, n, k, B, 1.0, gv_, n, record_.zhat[t], k, 1.0, grad_.W, k);  // gW += gv_t^T zhat_t
  }
  record_.steps = 0;
}

size_t LifMdgl::state_bytes(int T) const {
  const size_t B = static_cast<size_t>(B_), n = config_.n(), k = config_.k();
  return (LifWindowRecord::values(T, static_cast<int>(B), static_cast<int>(n), static_cast<int>(k)) + 5 * B * n +
          n * n) * dtype_size(dtype_);
}

double LifMdgl::flops_per_step() const {
  const double n = config_.n(), k = config_.k();
  return 2 * n * k   // gW += gv zhat^T
         + 2 * n * n  // M = (psi L) Wmod
         + 14 * n;    // the adjoint recursion and psi L
}

const ParamTable<LifMdglConfig>& lif_mdgl_params() {
  static const auto table = ParamTable<LifMdglConfig>().choice(
      "modulation", &LifMdglConfig::modulation,
      {{"cell_type", MdglModulation::cell_type}, {"synapse", MdglModulation::synapse}},
      "cell_type: the modulatory signal of neuron j reaches p through the mean W_rec weight of the existing synapses "
      "from p's type to j's (Liu et al.'s MDGL); synapse: through W_jp itself (their MDGL-bca)");
  return table;
}

const RuleInfo& lif_mdgl_info() {
  static const RuleInfo info{
      "mdgl",
      "MDGL (Liu et al. 2021): e-prop plus one synapse of credit, sum_t e_pq(t) sum_j Wbar[type j <- type p] "
      "psi_j(t+1) L_j(t+1), through cell-type-averaged weights (set the types with the model's inhibitory_fraction)",
      false, lif_mdgl_params().docs()};
  return info;
}

std::unique_ptr<LifRule> make_lif_mdgl(const LifRnnConfig& config, DType dtype, Device device, const Params& params) {
  return std::make_unique<LifMdgl>(config, dtype, device, lif_mdgl_params().read(params));
}

}  // namespace tca
