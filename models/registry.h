// The registry of networks, by id: `tcabench models`, and the one place a network is built from
// its documented knobs (the probe, training, the suite and the gates all come through here).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "kernels/loss_kind.h"
#include "kernels/tensor.h"
#include "models/network.h"

namespace tca {

// What a task fixes about the network: input and output sizes and the loss.
struct TaskShape {
  int m = 1;
  int o = 1;
  LossKind loss = LossKind::mse;
};

struct NetworkInfo {
  std::string id;
  std::string summary;
  std::string size_knobs;       // what to lower when a rule's state does not fit, in the CLI's words
  std::vector<ParamDoc> knobs;  // documented knobs with defaults
};

const std::vector<NetworkInfo>& network_registry();
// The entry of network `id`, or nullptr when no network has that id.
const NetworkInfo* find_network(const std::string& id);
// The knobs that give network `id` n hidden units: hidden = n on the rate network; n / 2 LIF
// and n - n / 2 ALIF neurons on the spiking network (the suite's hidden sizes, the benchmarks).
std::map<std::string, std::string> sized_knobs(const std::string& id, int n);
// Builds network `id` with knob overrides (name -> value as text) for a task's shape, in the
// given precision and on the given device. Throws std::invalid_argument on an unknown id
// (listing the valid ones), an unknown knob or a value out of its range.
// The knobs of network `model` from the command line's options: hidden, alpha and gain for the
// rate model (model_params must then be empty), model_params for any other.
std::map<std::string, std::string> rate_or_model_knobs(const std::string& model, int hidden, double alpha, double gain,
                                                       const std::map<std::string, std::string>& model_params);

std::unique_ptr<Network> make_network(const std::string& id, const std::map<std::string, std::string>& knobs,
                                      const TaskShape& shape, DType dtype, Device device);

}  // namespace tca
