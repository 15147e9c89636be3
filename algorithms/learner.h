// A network with a learning rule attached and the parameters it runs at: what the probe,
// training, the suite, the quality gate and the microbenchmarks drive, whatever the network.
//
// Parameters and gradients cross to the host flattened as [W | W_outb] (row-major, W first):
// the probe and the gradient statistics work on that layout, training on the tensors in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/rule.h"
#include "core/batch.h"
#include "models/network.h"

namespace tca {

class Learner {
 public:
  // Builds rule `rule_id` for `network` through the registry (algorithms/registry.h); throws
  // std::invalid_argument as make_rule() does.
  Learner(std::unique_ptr<Network> network, const std::string& rule_id,
          const std::map<std::string, std::string>& rule_params = {});

  Network& network() { return *network_; }
  const Network& network() const { return *network_; }
  Rule& rule() { return *rule_; }
  const Rule& rule() const { return *rule_; }
  NetworkParams& params() { return params_; }

  // The network's initialisation for `seed` in the run's precision, and a rule in its initial
  // state (a rule whose state follows training or that learns parameters of its own starts
  // over: each training run is independent of the runs before it).
  void initialise(uint64_t seed);
  // Parameters from host doubles [W | W_outb], rounded to the run's precision.
  void set_params(const std::vector<double>& flat);
  // The parameters as host doubles [W | W_outb].
  std::vector<double> flat_params() const;
  // The network's initialisation for `seed` as host doubles [W | W_outb], unrounded.
  std::vector<double> initial_flat_params(uint64_t seed) const;
  size_t W_size() const;  // n k: where W_outb starts in the flat layout

  // A whole window at frozen parameters; gradient() is final afterwards. Returns the window's
  // objective and, when outputs != nullptr, y as [T, B, o] host doubles.
  double window(const DeviceBatch& batch, uint64_t noise_seed, std::vector<double>* outputs = nullptr);
  const Gradients& gradient() const { return rule_->gradient(); }
  std::vector<double> flat_gradient() const;

  // An online window: begin, then per step step() (gradient() then holds the estimate since the
  // last zero_gradient()), then end(), which returns the window's objective.
  void begin(const DeviceBatch& batch, uint64_t noise_seed);
  void step(const DeviceBatch& batch, int t);
  double end();
  // The online regime's next window of the same streams instead of begin(): the network's state
  // and the rule's traces carry over from the last step (the window after a begin() or resume()
  // with the same batch size). Then step() as above, and stream_loss() in place of end().
  void resume(uint64_t noise_seed);
  double stream_loss() const { return network_->window_loss(); }

  // Each parameter group's flat indices within [W | W_outb] (a skipped diagonal left out).
  std::vector<std::pair<std::string, std::vector<size_t>>> group_indices() const;
  // The flat indices of the recurrent parameters, in order: every group inside W (all but the
  // readout W_outb, which every rule computes exactly), a skipped diagonal left out.
  std::vector<size_t> recurrent_indices() const;
  // Refuses, before anything is allocated, rule state that cannot fit on the run's device for
  // B sequences of T steps: throws std::invalid_argument "<rule> at n = N, --batch B (T = T,
  // precision) needs X GiB of state, more than the Y GiB available on the <device>; lower
  // <the network's size knobs> or --batch".
  void require_state_fits(int batch_size, int T);

 private:
  std::unique_ptr<Network> network_;
  std::string rule_id_;
  std::map<std::string, std::string> rule_params_;
  std::unique_ptr<Rule> rule_;
  NetworkParams params_;
};

// Refuses state of `need` bytes that cannot fit on `device`: throws std::invalid_argument
// "<what> needs X GiB of state, more than the Y GiB available on the <device>; <advice>".
void require_state_fits(const std::string& what, size_t need, Device device, const std::string& advice);
// Refuses a task batch that cannot fit before it is drawn: B sequences of T steps with m inputs
// and o targets (and a mask), held in doubles on the host and copied to `device` in `dtype`.
void require_batch_fits(int batch_size, int T, int m, int o, DType dtype, Device device);

}  // namespace tca
