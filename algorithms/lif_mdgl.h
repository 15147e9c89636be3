// MDGL, the multidigraph learning rule (Liu, Smith, Mihalas, Shea-Brown & Sümbül 2021, PNAS
// 118:e2111821118, "Cell-type-specific neuromodulation guides synaptic credit assignment in a
// spiking neural network"): e-prop, plus the credit a neuron's spike earns one synapse further
// on, carried by cell-type-specific modulatory signals through cell-type-averaged weights.
//
// In the notation of models/lif_rnn.h, with L_j(t) = dL/dz_j(t) through the readout alone
// (e-prop's learning signal with symmetric feedback; Liu et al. take it as the partial
// derivative of the task loss) and e_pq(t) e-prop's eligibility trace of synapse q -> p
// (algorithms/lif_eprop.h), the estimate of the task loss's gradient is
//   dL/dW_pq ~ sum_t L_p(t) e_pq(t) + sum_t e_pq(t) M_p(t),
//   M_p(t)   = sum_j Wmod_jp psi_j(t+1) L_j(t+1)                  (M_p(T-1) = 0),
// the regulariser's part as in e-prop. M_p(t) is the modulatory input of neuron p: each
// neuron j it projects to (W_jp != 0) secretes psi_j L_j, received through the receptor of j's
// type, with the weight Wbar[type(j) <- type(p)], the mean of W_rec over the existing synapses
// from type(p) to type(j) (modulation=cell_type, Liu et al.'s MDGL). modulation=synapse uses
// W_jp itself (their "MDGL-bca" comparison, NP_mode 2 of their code). The exact gradient's
// dL/dz_p(t) also holds W_jp times every later step's credit of j (BPTT); MDGL keeps one step of
// it, through the types' average weights, and drops the reset's path, as e-prop does.
// Liu et al.'s factor (1 - alpha) on M belongs to their membrane equation v = alpha v +
// (1 - alpha) I; here inputs enter as currents (models/lif_rnn.h), so the factor is 1.
//
// Cell types come from the network (LifRnnConfig::inhibitory_fraction: inhibitory first, then
// excitatory); Liu et al. use two, excitatory and inhibitory, with Dale's law (dale=on). With one
// type and uniform weights, cell_type and synapse modulation coincide.
//
// Computed at the window's end, as the stopped-gradient BPTT of algorithms/lif_bptt.h with M
// in place of the recurrent term: store [z_{t-1}; x_t], psi_t and c_t of each step, then
// backwards gzf_t = c_t + kappa gzf_{t+1} (= L(t)), gz_t = gzf_t + M(t) + reg + ga_{t+1},
// gv_t = psi_t gz_t + alpha gv_{t+1}, ga_t = -beta psi_t gz_t + rho ga_{t+1},
// gW += gv_t [z_{t-1}; x_t]^T. Running the traces forwards would need L(t+1) before the window
// ends, which the readout filter spreads over every later step.
#pragma once

#include <vector>

#include "algorithms/lif_rule.h"
#include "algorithms/lif_window_record.h"
#include "core/param_table.h"

namespace tca {

enum class MdglModulation { cell_type, synapse };
struct LifMdglConfig {
  MdglModulation modulation = MdglModulation::cell_type;
};
const ParamTable<LifMdglConfig>& lif_mdgl_params();

// Wmod (n x n, row-major, Wmod[j * n + p]) for W (n x k, row-major; W_rec = its first n
// columns) and the neurons' cell types: Wbar[type(j) <- type(p)] where W_jp != 0, else 0
// (modulation=cell_type), or W_jp (synapse).
std::vector<double> mdgl_modulation_weights(const std::vector<double>& W, int n, int k, const std::vector<int>& types,
                                            MdglModulation modulation);

class LifMdgl final : public LifRule {
 public:
  LifMdgl(const LifRnnConfig& config, DType dtype, Device device, const LifMdglConfig& mdgl)
      : LifRule(config, dtype, device), mdgl_(mdgl) {}
  std::string id() const override { return "mdgl"; }
  std::map<std::string, std::string> config() const override;
  size_t state_bytes(int T) const override;
  double flops_per_step() const override;

 private:
  void reset_state(int batch_size, uint64_t noise_seed) override;
  void accumulate(const LifStepState& s) override;
  void finish_window(const Tensor& reg) override;

  LifMdglConfig mdgl_;
  LifWindowRecord record_;
  Tensor Wmod_;                         // [n, n] the modulatory weights of this window's parameters
  Tensor gv_, ga_, gzf_, secreted_, M_;  // [B, n]
};

}  // namespace tca
