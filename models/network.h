// The interface every network implements, so rules, the learner, the probe and training meet
// one type whatever the neuron model.
//
// A network runs a window of B sequences one step at a time from zero state (or, in a stream,
// from where the previous window ended), with its
// parameters frozen or changed between steps by the caller. Every network's parameters are two
// matrices: W (n x k, the weights onto the hidden units from their presynaptic vector, whose
// layout the network defines) and W_outb = [W_out | b_out] (o x (n + 1), the linear readout of
// the network's readout vector). The quantities a rule needs at each step live in the concrete
// network's state() (models/rate_rnn.h: StepState; models/lif_rnn.h: LifStepState); a rule
// declares the network it reads (algorithms/registry.cpp) and casts to it.
//
// Adding a network (a GRU, a diagonal linear recurrent unit) means one class implementing this
// interface, one line in models/registry.cpp, and the rules that run on it.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/batch.h"
#include "kernels/tensor.h"

namespace tca {

// W (n x k) and W_outb = [W_out | b_out] (o x (n + 1)).
struct NetworkParams {
  Tensor W;
  Tensor W_outb;
};

// A parameter group as the probe reports it: a column block of W (output = false) or of
// W_outb (output = true). skip_diagonal: the block's diagonal is no parameter (a spiking
// network's W_rec has no self-connections) and is left out of the group's statistics.
struct ParamGroup {
  const char* name;
  bool output;
  int first_col;
  int cols;
  bool skip_diagonal = false;
};

class Network {
 public:
  virtual ~Network() = default;
  virtual std::string id() const = 0;  // registry id (models/registry.h)
  virtual int n() const = 0;           // hidden units (neurons)
  virtual int m() const = 0;           // inputs
  virtual int o() const = 0;           // outputs
  virtual int k() const = 0;           // columns of W
  virtual DType dtype() const = 0;
  virtual Device device() const = 0;

  // The documented initialisation for `seed`, drawn in double and rounded to dtype.
  virtual NetworkParams initial_params(uint64_t seed, DType dtype, Device device) const = 0;
  // Zero state for a window of B sequences.
  virtual void begin(int batch_size) = 0;
  // The next window of the same B sequences, continuing them (the online regime's streams):
  // the state carries over from the last step taken; the window's loss starts again from 0.
  virtual void resume() = 0;
  // Advances by step t of the batch (steps in order from 0).
  virtual void step(const NetworkParams& params, const DeviceBatch& batch, int t) = 0;
  // After begin() or resume(), for parameters frozen over the window (run_window): computes
  // every step of `batch` now, so that step() only selects step t of `params` and `batch`
  // (the same objects). Returns false, computing nothing, where the network does not (the
  // default) or judges it not worth it; step() then computes each step as it comes.
  virtual bool precompute_window(const NetworkParams& /*params*/, const DeviceBatch& /*batch*/) { return false; }
  // The outputs y_t [B, o] of the last step (logits for cross-entropy).
  virtual const Tensor& outputs() const = 0;
  // The window's objective over the steps since begin() (one transfer to the host).
  virtual double window_loss() const = 0;

  virtual std::vector<ParamGroup> param_groups() const = 0;
  // The cell type of each neuron (0 .. types - 1), for rules that treat types differently
  // (cell-type-specific modulation); one type unless the network declares more.
  virtual std::vector<int> cell_types() const { return std::vector<int>(static_cast<size_t>(n()), 0); }
  // Puts parameters that an update has moved outside the network's constraints back inside
  // (Dale's law); called after every update. Unconstrained networks leave them as they are.
  virtual void constrain(NetworkParams& /*params*/) const {}
  // The network's id and effective configuration, for reports.
  virtual nlohmann::json description() const = 0;
};

// `network` as the concrete network Net; throws std::logic_error naming `who` (a rule) when it
// is another network: rules and their registry lines name the network they run on.
template <typename Net>
const Net& network_as(const Network& network, const std::string& who) {
  const auto* net = dynamic_cast<const Net*>(&network);
  if (!net) throw std::logic_error(who + ": built for another network than the " + network.id() + " network");
  return *net;
}

}  // namespace tca
