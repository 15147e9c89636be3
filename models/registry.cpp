// The registry of networks: one entry per network, each with its knobs and a builder.
#include "models/registry.h"

#include <stdexcept>

#include "core/param_table.h"
#include "models/lif_rnn.h"
#include "models/rate_rnn.h"

namespace tca {
namespace {

// The rate network's knobs: its configuration's size and leak, and its initialisation's gain.
struct RateKnobs {
  RateRnnConfig network;
  InitOptions init;
};

const ParamTable<RateKnobs>& rate_params() {
  static const auto table =
      ParamTable<RateKnobs>()
          .integer("hidden", [](auto& k) -> auto& { return k.network.n; }, 1, 4096,
                   "hidden units n (tcabench probe/train --hidden)")
          .positive("alpha", [](auto& k) -> auto& { return k.network.alpha; }, 1.0,
                    "leak: 1 = vanilla RNN, small = slow units (--alpha)")
          .real("gain", [](auto& k) -> auto& { return k.init.gain; }, 0.0, 100.0,
                "scale of W_rec at initialisation: N(0, gain^2 / n) entries, or singular values gain (--gain)")
          .choice("init", [](auto& k) -> auto& { return k.init.recurrent; },
                  {{"gaussian", RecurrentInit::gaussian}, {"orthogonal", RecurrentInit::orthogonal}},
                  "W_rec at initialisation: gaussian, or gain times a random orthogonal matrix (Marschall et al. "
                  "2020; --model-param init=orthogonal)");
  return table;
}

std::unique_ptr<Network> make_rate(const Params& knobs, const TaskShape& shape, DType dtype, Device device) {
  RateKnobs rate = rate_params().read(knobs);
  rate.network.m = shape.m;
  rate.network.o = shape.o;
  rate.network.loss = shape.loss;
  return std::make_unique<RateRnn>(rate.network, dtype, device, rate.init);
}

std::unique_ptr<Network> make_lif(const Params& knobs, const TaskShape& shape, DType dtype, Device device) {
  LifRnnConfig config = parse_lif_config(knobs);
  config.m = shape.m;
  config.o = shape.o;
  config.loss = shape.loss;
  config.validate();
  return std::make_unique<LifRnn>(config, dtype, device);
}

std::map<std::string, std::string> rate_size(int n) { return {{"hidden", std::to_string(n)}}; }
std::map<std::string, std::string> lif_size(int n) {
  return {{"n_lif", std::to_string(n / 2)}, {"n_alif", std::to_string(n - n / 2)}};
}

struct RegisteredNetwork {
  NetworkInfo info;
  std::unique_ptr<Network> (*make)(const Params&, const TaskShape&, DType, Device);
  std::map<std::string, std::string> (*size)(int n);
};

const std::vector<RegisteredNetwork>& registered_networks() {
  static const std::vector<RegisteredNetwork> networks{
      {{"rate", "leaky rate RNN h = W [a; x; 1], a = (1 - alpha) a + alpha tanh(h)", "--hidden", rate_params().docs()},
       make_rate, rate_size},
      {{"lif",
        "recurrent spiking network of LIF and ALIF neurons (Bellec et al. 2020), dt = 1 ms by default; "
        "knobs: --model-param NAME=VALUE of probe and train",
        "n_lif + n_alif", lif_params().docs()},
       make_lif, lif_size},
  };
  return networks;
}

const RegisteredNetwork& registered(const std::string& id) {
  for (const RegisteredNetwork& network : registered_networks())
    if (network.info.id == id) return network;
  std::string valid;
  for (const RegisteredNetwork& network : registered_networks()) valid += (valid.empty() ? "" : ", ") + network.info.id;
  throw std::invalid_argument("unknown model '" + id + "' (valid: " + valid + ")");
}

}  // namespace

const NetworkInfo* find_network(const std::string& id) {
  for (const RegisteredNetwork& network : registered_networks())
    if (network.info.id == id) return &network.info;
  return nullptr;
}

const std::vector<NetworkInfo>& network_registry() {
  static const std::vector<NetworkInfo> infos = [] {
    std::vector<NetworkInfo> all;
    for (const RegisteredNetwork& network : registered_networks()) all.push_back(network.info);
    return all;
  }();
  return infos;
}

std::map<std::string, std::string> sized_knobs(const std::string& id, int n) { return registered(id).size(n); }

std::map<std::string, std::string> rate_or_model_knobs(const std::string& model, int hidden, double alpha, double gain,
                                                       const std::map<std::string, std::string>& model_params) {
  if (model != "rate") return model_params;
  for (const char* option : {"hidden", "alpha", "gain"})
    if (model_params.count(option))
      throw std::invalid_argument(std::string("the rate model takes its ") + option + " from --" + option +
                                  ", not from --model-param");
  RateKnobs rate;
  rate.network.n = hidden;
  rate.network.alpha = alpha;
  rate.init.gain = gain;
  std::map<std::string, std::string> knobs = model_params;  // the other knobs, checked by make_network
  for (const auto& [name, value] : rate_params().text(rate))
    if (name == "hidden" || name == "alpha" || name == "gain") knobs[name] = value;
  return knobs;
}

std::unique_ptr<Network> make_network(const std::string& id, const std::map<std::string, std::string>& knobs,
                                      const TaskShape& shape, DType dtype, Device device) {
  const RegisteredNetwork& network = registered(id);
  return network.make(Params("--model " + id, network.info.knobs, knobs), shape, dtype, device);
}

}  // namespace tca
